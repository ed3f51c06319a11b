using System;
using System.Collections.Generic;

namespace GraphDsl.SourceGenerator.Resolution;

/// <summary>
/// Path arithmetic on the '/'-separated paths the frontend sees in the generator: project-relative
/// display paths and import strings. Pure string work, no file system: the compiler gives the files.
/// The generated <c>GraphDslEmbeddedSources</c> class repeats <see cref="Candidates"/> (see
/// <see cref="ModelGenerator.Emitter"/>), so a model compiles again at run time exactly as at build time.
/// </summary>
internal static class ImportPaths
{
    /// <summary>The paths an import may name, in order: relative to the importing file's folder, as
    /// written and with ".moe" appended (as the command line resolves them).</summary>
    public static IEnumerable<string> Candidates(string fromFile, string importPath)
    {
        var slash = fromFile.LastIndexOf('/');
        var joined = slash < 0 ? importPath : fromFile.Substring(0, slash + 1) + importPath;
        var path = Normalize(joined);
        yield return path;
        if (!path.EndsWith(".moe", StringComparison.OrdinalIgnoreCase)) yield return path + ".moe";
    }

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

    /// <summary>
    /// The path the frontend (and the generated code) knows a file by: relative to the project folder,
    /// with "../" when outside it, or the whole normalized path when there is no project folder or no
    /// common root (another drive).
    /// </summary>
    public static string DisplayPath(string filePath, string? projectDirectory)
    {
        var file = Normalize(filePath);
        if (string.IsNullOrEmpty(projectDirectory)) return file;
        var fileParts = file.Split('/');
        var dirParts = Normalize(projectDirectory!).Split('/');
        int common = 0;
        while (common < fileParts.Length - 1 && common < dirParts.Length &&
               string.Equals(fileParts[common], dirParts[common], StringComparison.Ordinal)) common++;
        if (common == 0 || (common == 1 && fileParts[0].Length == 0)) return file;
        var up = new List<string>();
        for (int i = common; i < dirParts.Length; i++) up.Add("..");
        for (int i = common; i < fileParts.Length; i++) up.Add(fileParts[i]);
        return string.Join("/", up);
    }
}
