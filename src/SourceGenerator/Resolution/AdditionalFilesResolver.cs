using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Frontend.Syntax;
using GraphDsl.SourceGenerator.Model;

namespace GraphDsl.SourceGenerator.Resolution;

/// <summary>
/// Serves imports from the project's .moe additional files (a generator may not read the disk) and
/// <c>std/...</c> from the standard library inside GraphDsl.Frontend. Files are known by their display
/// path (<see cref="ImportPaths.DisplayPath"/>); <see cref="FilePathOf"/> maps one back to the real path
/// for diagnostic locations.
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

    public SourceText? Resolve(string importPath, string fromFile, out string error)
    {
        error = "";
        if (importPath.StartsWith(StandardLibrary.Prefix, StringComparison.Ordinal))
        {
            var std = StandardLibrary.Load(importPath);
            if (std is null) error = $"no standard-library module '{importPath}' (available: {string.Join(", ", StandardLibrary.Modules)})";
            return std;
        }
        var candidates = ImportPaths.Candidates(fromFile, importPath).ToList();
        foreach (var candidate in candidates)
        {
            if (!_byDisplayPath.TryGetValue(candidate, out var file)) continue;
            if (file.Text is null) { error = $"'{candidate}' could not be read"; return null; }
            return new SourceText(candidate, file.Text);
        }
        error = $"no .moe file '{candidates[candidates.Count - 1]}' among the project's additional files";
        return null;
    }
}
