using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Frontend.Parsing;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Frontend.Semantics;

/// <summary>A parsed file with the declarations it can see: its own and those of the files it imports.</summary>
internal sealed class FileUnit
{
    public FileUnit(FileSyntax syntax) { Syntax = syntax; }
    public FileSyntax Syntax { get; }
    public string Path => Syntax.Source.Path;
    public List<FileUnit> Imports { get; } = new();
    public Dictionary<string, BlockSyntax> VisibleBlocks { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (ConstSyntax Syntax, FileUnit Owner)> VisibleConsts { get; } = new(StringComparer.Ordinal);
    public Dictionary<BlockSyntax, FileUnit> BlockOwner { get; } = new();
    /// <summary>Constant values, evaluated on first use.</summary>
    public Dictionary<string, CtValue> ConstValues { get; } = new(StringComparer.Ordinal);
}

/// <summary>Parses a root file and its imports once each, reports missing imports and cycles, and
/// gives every file its visible declarations.</summary>
internal sealed class ProgramLoader
{
    private const int MaxFiles = 256;
    private readonly ISourceResolver _resolver;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, FileUnit?> _loaded = new(StringComparer.Ordinal);
    private readonly List<string> _stack = new();

    public ProgramLoader(ISourceResolver resolver, DiagnosticBag diagnostics) { _resolver = resolver; _diagnostics = diagnostics; }

    public IReadOnlyDictionary<string, FileUnit?> Loaded => _loaded;

    public FileUnit? Load(SourceText root) => Load(root, SourceSpan.None);

    private FileUnit? Load(SourceText source, SourceSpan importedAt)
    {
        if (_loaded.TryGetValue(source.Path, out var done)) return done;
        if (_loaded.Count >= MaxFiles)
        {
            _diagnostics.Report(DiagnosticCatalog.ImportNotFound, importedAt, source.Path, $"more than {MaxFiles} files imported");
            return null;
        }
        var syntax = SyntaxParser.Parse(source, _diagnostics);
        if (syntax is null) { _loaded[source.Path] = null; return null; }
        var unit = new FileUnit(syntax);
        _loaded[source.Path] = unit;
        _stack.Add(source.Path);
        foreach (var imp in syntax.Imports)
        {
            var resolved = Resolve(imp.Path, source.Path);
            var text = resolved.Source;
            if (text is null) { _diagnostics.Add(resolved.ProblemAt(imp.Span)); continue; }
            var at = _stack.IndexOf(text.Path);
            if (at >= 0)
            {
                var cycle = string.Join(" -> ", _stack.Skip(at).Append(text.Path));
                _diagnostics.Report(DiagnosticCatalog.ImportCycle, imp.Span, cycle);
                continue;
            }
            var imported = Load(text, imp.Span);
            if (imported is not null) unit.Imports.Add(imported);
        }
        _stack.RemoveAt(_stack.Count - 1);
        Declare(unit);
        return unit;
    }

    /// <summary>The standard library, or the resolver for an import the rules allow.</summary>
    private ImportResult Resolve(string importPath, string fromFile)
    {
        if (StandardLibrary.Names(importPath)) return StandardLibrary.Resolve(importPath);
        var refusal = ImportRules.Refusal(importPath);
        return refusal is null ? _resolver.Resolve(importPath, fromFile) : ImportResult.Refused(importPath, refusal);
    }

    private void Declare(FileUnit unit)
    {
        var origin = new Dictionary<string, (SourceSpan Span, string File)>(StringComparer.Ordinal);
        foreach (var b in unit.Syntax.Blocks)
        {
            if (origin.TryGetValue(b.Name, out var prev))
            {
                _diagnostics.Add(DiagnosticCatalog.DuplicateDefinition.At(b.NameSpan, b.Name).WithNote("first defined here", prev.Span));
                continue;
            }
            origin[b.Name] = (b.NameSpan, unit.Path);
            unit.VisibleBlocks[b.Name] = b;
            unit.BlockOwner[b] = unit;
        }
        foreach (var c in unit.Syntax.Consts)
        {
            if (origin.TryGetValue(c.Name, out var prev))
            {
                _diagnostics.Add(DiagnosticCatalog.DuplicateDefinition.At(c.NameSpan, c.Name).WithNote("first defined here", prev.Span));
                continue;
            }
            origin[c.Name] = (c.NameSpan, unit.Path);
            unit.VisibleConsts[c.Name] = (c, unit);
        }
        // Imported declarations; the file's own shadow them, two imports of one name clash.
        foreach (var imp in unit.Imports)
        {
            foreach (var b in imp.Syntax.Blocks)
            {
                if (origin.TryGetValue(b.Name, out var prev))
                {
                    if (prev.File != unit.Path && prev.File != imp.Path)
                        _diagnostics.Add(DiagnosticCatalog.DuplicateDefinition.At(ImportSpan(unit, imp), b.Name)
                            .WithNote($"'{b.Name}' is also imported from {prev.File}", prev.Span));
                    continue;
                }
                origin[b.Name] = (b.NameSpan, imp.Path);
                unit.VisibleBlocks[b.Name] = b;
                unit.BlockOwner[b] = imp;
            }
            foreach (var c in imp.Syntax.Consts)
            {
                if (origin.ContainsKey(c.Name)) continue;
                origin[c.Name] = (c.NameSpan, imp.Path);
                unit.VisibleConsts[c.Name] = (c, imp);
            }
        }
    }

    private static SourceSpan ImportSpan(FileUnit unit, FileUnit imported)
    {
        foreach (var i in unit.Syntax.Imports)
            if (imported.Path.EndsWith(i.Path.StartsWith("std/", StringComparison.Ordinal) ? i.Path : System.IO.Path.GetFileName(i.Path), StringComparison.Ordinal) ||
                imported.Path.EndsWith(i.Path + ".moe", StringComparison.Ordinal))
                return i.Span;
        return unit.Syntax.Imports.Count > 0 ? unit.Syntax.Imports[0].Span : unit.Syntax.Span;
    }
}
