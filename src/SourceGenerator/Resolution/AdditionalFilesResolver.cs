using System;
using System.Collections.Generic;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Frontend.Syntax;
using GraphDsl.SourceGenerator.Model;

namespace GraphDsl.SourceGenerator.Resolution;

/// <summary>
/// Serves imports from the project's .moe additional files (a generator may not read the disk). Files are
/// known by their display path (<see cref="ImportPaths.DisplayPath"/>); <see cref="FilePathOf"/> maps one
/// back to the real path for diagnostic locations. An import must stay inside the project folder
/// (<see cref="ProjectImports"/>), as the command line confines one to its import roots: a file outside
/// the project may be compiled, but not imported.
/// </summary>
internal sealed class AdditionalFilesResolver : ISourceResolver
{
    private readonly Dictionary<string, MoeFile> _byDisplayPath = new(StringComparer.Ordinal);
    private readonly string? _projectDirectory;

    public AdditionalFilesResolver(IEnumerable<MoeFile> files, string? projectDirectory)
    {
        _projectDirectory = projectDirectory;
        foreach (var file in files)
            _byDisplayPath[DisplayPath(file.Path)] = file;
    }

    public string DisplayPath(string filePath) => ImportPaths.DisplayPath(filePath, _projectDirectory);

    /// <summary>The real path of a file the frontend named, or the name itself (std/ files).</summary>
    public string FilePathOf(string displayPath) =>
        _byDisplayPath.TryGetValue(displayPath, out var file) ? file.Path : displayPath;

    /// <summary>Whether the frontend's path names one of the project's additional files.</summary>
    public bool IsProjectFile(string displayPath) => _byDisplayPath.ContainsKey(displayPath);

    public ImportResult Resolve(string importPath, string fromFile)
    {
        var path = ProjectImports.PathOf(fromFile, importPath);
        if (!ProjectImports.IsInside(path)) return ImportResult.Refused(importPath, ProjectImports.OutsideProject);
        if (!_byDisplayPath.TryGetValue(path, out var file))
            return ImportResult.NotFound(importPath, $"no .moe file '{path}' among the project's additional files");
        if (file.Text is null) return ImportResult.NotFound(importPath, $"'{path}' could not be read");
        return ImportResult.Found(new SourceText(path, file.Text));
    }
}
