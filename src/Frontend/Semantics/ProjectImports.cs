using System;
using System.Collections.Generic;

namespace GraphDsl.Frontend.Semantics;

/// <summary>
/// Imports among a project's files, known by '/'-separated paths relative to the project folder: the rule
/// the source generator applies at build time and the class it generates applies again at run time, so an
/// import resolves to the same file in both. Pure string work, no file system.
/// </summary>
public static class ProjectImports
{
    public const string OutsideProject = "it leads outside the project folder";

    /// <summary>The project path an import names: beside the importing file, ".moe" added when missing.</summary>
    public static string PathOf(string fromFile, string importPath)
    {
        var slash = fromFile.LastIndexOf('/');
        var name = ImportRules.WithExtension(importPath);
        return Normalize(slash < 0 ? name : fromFile.Substring(0, slash + 1) + name);
    }

    /// <summary>Whether a normalized project path stays inside the project folder.</summary>
    public static bool IsInside(string projectPath) =>
        projectPath != ".." && !projectPath.StartsWith("../", StringComparison.Ordinal) && !ImportRules.IsAbsolute(projectPath);

    /// <summary>'/' separators, "." segments dropped and "a/.." pairs folded; leading ".." stay.</summary>
    public static string Normalize(string path)
    {
        var rooted = path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal);
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == ".." && parts.Count > 0 && parts[parts.Count - 1] != "..") parts.RemoveAt(parts.Count - 1);
            else parts.Add(part);
        }
        return (rooted ? "/" : "") + string.Join("/", parts);
    }
}
