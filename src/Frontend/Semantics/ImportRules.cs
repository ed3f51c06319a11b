using System;

namespace GraphDsl.Frontend.Semantics;

/// <summary>
/// What an import may name, whoever serves it (the file system, a project's files, the copies a generated
/// class embeds): a relative path to a .moe file (".moe" may be left out). An absolute path, another
/// extension or an odd character is refused before any resolver looks, so no such path is ever opened.
/// Where a relative path may lead is the resolver's rule: under an import root (the command line) or
/// inside the project (the source generator).
/// </summary>
public static class ImportRules
{
    public const string Extension = ".moe";

    /// <summary>Why the import is refused, or null when a resolver may look it up.</summary>
    public static string? Refusal(string importPath)
    {
        if (importPath.Trim().Length == 0) return "the path is empty";
        foreach (var c in importPath)
            if (char.IsControl(c)) return "the path contains a control character";
        if (IsAbsolute(importPath))
            return "absolute paths cannot be imported; name the file relative to the importing file or to an import root";
        var extension = ExtensionOf(importPath);
        if (extension.Length > 0 && !extension.Equals(Extension, StringComparison.OrdinalIgnoreCase))
            return $"only {Extension} files can be imported, not '{extension}'";
        return null;
    }

    /// <summary>The file an import names: as written when it ends in ".moe", else with ".moe" added.</summary>
    public static string WithExtension(string importPath) =>
        importPath.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) ? importPath : importPath + Extension;

    /// <summary>Rooted on any platform: "/x", "\x", "C:x", "C:\x" (a Windows path is refused on Unix too,
    /// so a spec means the same everywhere).</summary>
    public static bool IsAbsolute(string path) =>
        path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal) ||
        (path.Length >= 2 && path[1] == ':' && char.IsLetter(path[0]));

    /// <summary>The extension of the last path segment ("" when it has none): "a.b/c" has none.</summary>
    private static string ExtensionOf(string path)
    {
        int segment = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\')) + 1;
        int dot = path.LastIndexOf('.');
        return dot > segment && dot < path.Length - 1 ? path.Substring(dot) : "";
    }
}
