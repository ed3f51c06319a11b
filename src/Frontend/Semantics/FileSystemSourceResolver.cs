using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Frontend.Parsing;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;

namespace GraphDsl.Frontend.Semantics;

/// <summary>
/// Imports from the file system, confined like C's <c>#include "..."</c> with <c>-I</c>: an import is looked
/// for beside the importing file, then in each import root (the root file's folder, then each
/// <c>--import-path</c> directory), and whatever it names must lie under a root, lexically and after its
/// symbolic links are resolved. A file outside the roots is never opened, so no diagnostic can quote it;
/// a file inside them is read only if it is a regular file within the size limit of a source.
/// </summary>
public sealed class FileSystemSourceResolver : ISourceResolver
{
    private const string What = "a .moe source";
    private readonly List<string> _roots;
    private List<string>? _realRoots;

    /// <param name="rootFile">The file being compiled: its folder is the first import root.</param>
    /// <param name="importPaths">More import roots (<c>--import-path</c>), in search order.</param>
    public FileSystemSourceResolver(string rootFile, IEnumerable<string>? importPaths = null)
    {
        _roots = new List<string> { FolderOf(rootFile) };
        foreach (var dir in importPaths ?? Enumerable.Empty<string>())
        {
            var full = Path.GetFullPath(dir);
            if (!_roots.Contains(full)) _roots.Add(full);
        }
    }

    /// <summary>The import roots, absolute, in search order.</summary>
    public IReadOnlyList<string> Roots => _roots;

    public ImportResult Resolve(string importPath, string fromFile)
    {
        var name = ImportRules.WithExtension(importPath);
        var searched = new List<string>();
        foreach (var dir in SearchOrder(fromFile))
        {
            string full;
            try { full = Path.GetFullPath(Path.Combine(dir, name)); }
            catch (Exception e) when (FileErrors.IsFileSystemError(e)) { return ImportResult.Refused(importPath, "it is not a valid path"); }
            if (!_roots.Any(root => FilePaths.IsUnder(full, root))) continue;
            searched.Add(Normalize(full));
            var kind = FileKinds.Of(full);
            if (kind == FileKind.Missing) continue;
            return Read(importPath, full, kind);
        }
        if (searched.Count == 0)
            return ImportResult.Refused(importPath, $"it leads outside the import roots ({string.Join(", ", _roots.Select(Normalize))})");
        return ImportResult.NotFound(importPath, "no file " + string.Join(" or ", searched.Select(f => $"'{f}'")));
    }

    private ImportResult Read(string importPath, string full, FileKind kind)
    {
        var shown = Normalize(full);
        var real = FilePaths.RealPath(full);
        if (real is null || !RealRoots.Any(root => FilePaths.IsUnder(real, root)))
            return ImportResult.Refused(importPath, $"'{shown}' is a symbolic link to a file outside the import roots");
        if (kind != FileKind.Regular) return ImportResult.Refused(importPath, $"'{shown}': {FileKinds.NotAFile(kind)}");
        try { return ImportResult.Found(new SourceText(shown, InputFile.ReadAllText(full, SyntaxParser.MaxFileBytes, What))); }
        catch (InputFileTooLargeException e) { return ImportResult.TooLarge(shown, e.Size, e.Limit); }
        catch (Exception e) when (FileErrors.IsFileSystemError(e)) { return ImportResult.Refused(importPath, $"'{shown}': {FileErrors.Reason(full, e)}"); }
    }

    /// <summary>Reads the root file of a compilation under the same limits as an import; null with the
    /// diagnostic (GD0801, or GD0107 when too large) when it cannot be read.</summary>
    public static SourceText? ReadRoot(string path, out Diagnostic? problem)
    {
        problem = null;
        var shown = Normalize(path);
        try { return new SourceText(shown, InputFile.ReadAllText(path, SyntaxParser.MaxFileBytes, What)); }
        catch (InputFileTooLargeException e) { problem = DiagnosticCatalog.FileTooLarge.At(SourceSpan.At(shown, 1, 1), shown, e.Size, e.Limit); }
        catch (Exception e) when (FileErrors.IsFileSystemError(e)) { problem = DiagnosticCatalog.FileNotFound.At(SourceSpan.None, path, FileErrors.Reason(path, e)); }
        return null;
    }

    /// <summary>The importing file's folder first, then the roots, each once.</summary>
    private IEnumerable<string> SearchOrder(string fromFile) => new[] { FolderOf(fromFile) }.Concat(_roots).Distinct();

    /// <summary>The roots with their own links resolved (a root may itself be reached through a link).</summary>
    private List<string> RealRoots => _realRoots ??= _roots.Select(r => FilePaths.RealPath(r) ?? r).ToList();

    private static string FolderOf(string file)
    {
        var dir = Path.GetDirectoryName(file);
        return Path.GetFullPath(string.IsNullOrEmpty(dir) ? "." : dir!);
    }

    /// <summary>A stable display path: relative to the working directory when below it ("." for itself).</summary>
    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        var cwd = Path.GetFullPath(Directory.GetCurrentDirectory()).TrimEnd(Path.DirectorySeparatorChar);
        if (full == cwd) return ".";
        return full.StartsWith(cwd + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full.Substring(cwd.Length + 1) : full;
    }
}
