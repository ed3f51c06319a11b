using System;
using System.Collections.Generic;
using GraphDsl.Frontend.Semantics;

namespace GraphDsl.SourceGenerator.Resolution;

/// <summary>
/// The paths the frontend knows a project's files by: '/'-separated and relative to the project folder.
/// Pure string work, no file system: the compiler gives the files. Where an import leads from such a path
/// is <see cref="ProjectImports"/>'s rule, which the generated <c>GraphDslEmbeddedSources</c> applies too.
/// </summary>
internal static class ImportPaths
{
    /// <summary>
    /// The path the frontend (and the generated code) knows a file by: relative to the project folder,
    /// with "../" when outside it, or the whole normalized path when there is no project folder or no
    /// common root (another drive).
    /// </summary>
    public static string DisplayPath(string filePath, string? projectDirectory)
    {
        var file = ProjectImports.Normalize(filePath);
        if (string.IsNullOrEmpty(projectDirectory)) return file;
        var fileParts = file.Split('/');
        var dirParts = ProjectImports.Normalize(projectDirectory!).Split('/');
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
