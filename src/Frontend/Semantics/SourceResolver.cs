using System;
using GraphDsl.Ir.Diagnostics;
using System.IO;
using System.Reflection;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Semantics;

/// <summary>Finds the text of an imported file. The CLI reads the file system; the source generator
/// serves the project's additional files.</summary>
public interface ISourceResolver
{
    /// <summary>Returns the imported source, or null with <paramref name="error"/> set.</summary>
    SourceText? Resolve(string importPath, string fromFile, out string error);
}

/// <summary>The standard library (<c>std/...</c>), shipped as embedded resources of this assembly.</summary>
public static class StandardLibrary
{
    public const string Prefix = "std/";

    public static SourceText? Load(string importPath)
    {
        if (!importPath.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var name = importPath.EndsWith(".moe", StringComparison.Ordinal) ? importPath : importPath + ".moe";
        using var stream = typeof(StandardLibrary).GetTypeInfo().Assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return new SourceText(name, reader.ReadToEnd());
    }

    public static string[] Modules =>
        Array.ConvertAll(Array.FindAll(typeof(StandardLibrary).GetTypeInfo().Assembly.GetManifestResourceNames(),
            n => n.StartsWith(Prefix, StringComparison.Ordinal)), n => n.Substring(0, n.Length - 4));
}

/// <summary>Standard library first, then paths relative to the importing file (".moe" may be omitted).</summary>
public sealed class FileSystemSourceResolver : ISourceResolver
{
    public SourceText? Resolve(string importPath, string fromFile, out string error)
    {
        error = "";
        if (importPath.StartsWith(StandardLibrary.Prefix, StringComparison.Ordinal))
        {
            var std = StandardLibrary.Load(importPath);
            if (std is null) error = $"no standard-library module '{importPath}' (available: {string.Join(", ", StandardLibrary.Modules)})";
            return std;
        }
        try
        {
            var dir = Path.GetDirectoryName(fromFile);
            var path = Path.Combine(string.IsNullOrEmpty(dir) ? "." : dir!, importPath);
            if (!File.Exists(path) && !path.EndsWith(".moe", StringComparison.Ordinal)) path += ".moe";
            if (!File.Exists(path)) { error = $"no file '{path}'"; return null; }
            return new SourceText(Normalize(path), File.ReadAllText(path));
        }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>A stable display path: relative to the working directory when below it.</summary>
    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        var cwd = Path.GetFullPath(Directory.GetCurrentDirectory()).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return full.StartsWith(cwd, StringComparison.Ordinal) ? full.Substring(cwd.Length) : full;
    }
}
