using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Frontend;

/// <summary>The outcome of compiling one .moe file: the module (null on errors), every diagnostic,
/// and the sources read, so diagnostics can be rendered with their lines.</summary>
public sealed class CompilationResult
{
    public CompilationResult(Module? module, IReadOnlyList<Diagnostic> diagnostics, IReadOnlyDictionary<string, SourceText> sources, IReadOnlyList<string> models,
        IReadOnlyDictionary<string, string>? parts = null)
    {
        Module = module; Diagnostics = diagnostics; Sources = sources; Models = models;
        Parts = parts ?? new Dictionary<string, string>();
    }

    public Module? Module { get; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; }
    public IReadOnlyDictionary<string, SourceText> Sources { get; }
    /// <summary>Names of the models the root file defines (its parts included).</summary>
    public IReadOnlyList<string> Models { get; }
    /// <summary>The root file's parts (<c>model NAME for TARGET</c>): each part's name and the model it belongs to.</summary>
    public IReadOnlyDictionary<string, string> Parts { get; }

    /// <summary>The part of <paramref name="model"/> in the root file (its multi-token-prediction module), or null.</summary>
    public string? PartOf(string model) => Parts.Where(p => p.Value == model).Select(p => p.Key).FirstOrDefault();
    public bool Success => Module is not null && !Diagnostics.Any(d => d.Severity == Severity.Error);
}

/// <summary>
/// The frontend's entry point: .moe text to a verified IR module. Parses the file and its imports,
/// picks the model (the only one, or the one named), lowers it and runs the IR verifier.
/// </summary>
public static class Compiler
{
    /// <summary>Compiles the file at <paramref name="path"/>; imports resolve against its folder unless
    /// <paramref name="resolver"/> says otherwise (the CLI adds its --import-path roots).</summary>
    public static CompilationResult CompileFile(string path, string? model = null, ISourceResolver? resolver = null)
    {
        var source = FileSystemSourceResolver.ReadRoot(path, out var problem);
        if (source is null)
            return new CompilationResult(null, new[] { problem! }, new Dictionary<string, SourceText>(), Array.Empty<string>());
        return Compile(source, model, resolver ?? new FileSystemSourceResolver(path));
    }

    /// <summary>The part (a model's MTP module, <c>model NAME for TARGET</c>) the file at <paramref name="path"/> declares
    /// for <paramref name="target"/> (its default model when null), compiled; null when the file declares none.</summary>
    public static CompilationResult? CompilePartFile(string path, string? target = null, ISourceResolver? resolver = null)
    {
        var main = CompileFile(path, target, resolver);
        var name = target ?? main.Module?.Name;
        var part = name is null ? null : main.PartOf(name);
        return part is null ? null : CompileFile(path, part, resolver);
    }

    public static CompilationResult Compile(SourceText source, string? model = null, ISourceResolver? resolver = null)
    {
        var diagnostics = new DiagnosticBag();
        var loader = new ProgramLoader(resolver ?? new FileSystemSourceResolver(source.Path), diagnostics);
        Module? module = null;
        var models = new List<string>();
        var parts = new Dictionary<string, string>();
        try
        {
            var root = loader.Load(source);
            if (root is not null)
            {
                models.AddRange(root.Syntax.Models.Select(m => m.Name));
                foreach (var m in root.Syntax.Models)
                    if (m.Target is not null) parts[m.Name] = m.Target;
                if (!diagnostics.HasErrors) module = LowerModel(root, model, diagnostics);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A compiler bug must still end as a diagnostic, never as a stack trace.
            diagnostics.Report(DiagnosticCatalog.InternalError, SourceSpan.None, e.GetType().Name + ": " + e.Message);
            module = null;
        }
        var sources = loader.Loaded.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!.Syntax.Source);
        if (!sources.ContainsKey(source.Path)) sources[source.Path] = source;
        return new CompilationResult(diagnostics.HasErrors ? null : module, diagnostics.Items, sources, models, parts);
    }

    private static Module? LowerModel(FileUnit root, string? name, DiagnosticBag diagnostics)
    {
        var models = root.Syntax.Models;
        if (!CheckParts(models, diagnostics)) return null;
        var mains = models.Where(m => m.Target is null).ToList();
        ModelSyntax? chosen;
        if (name is not null)
        {
            chosen = models.FirstOrDefault(m => m.Name == name);
            if (chosen is null)
            {
                diagnostics.Report(DiagnosticCatalog.UnknownName, root.Syntax.Span, name, GraphDsl.Ir.Suggest.DidYouMean(name, models.Select(m => m.Name)));
                return null;
            }
        }
        else if (mains.Count == 1) chosen = mains[0];
        else if (mains.Count == 0)
        {
            // Located at the file's start: the whole file is what lacks a model, and a located diagnostic names the file.
            diagnostics.Report(DiagnosticCatalog.NoModel, SourceSpan.At(root.Path, 1, 1, offset: 0), root.Path);
            return null;
        }
        else
        {
            diagnostics.Report(DiagnosticCatalog.MultipleModels, mains[1].NameSpan, root.Path, string.Join(", ", mains.Select(m => m.Name)));
            return null;
        }
        var module = LowerChecked(root, chosen, diagnostics);
        // A model's parts are checked with it (and dropped), so an error in its MTP module is found before anyone asks for it.
        foreach (var part in models.Where(m => m.Target == chosen.Name))
            LowerChecked(root, part, diagnostics);
        return diagnostics.HasErrors ? null : module;
    }

    private static Module? LowerChecked(FileUnit root, ModelSyntax model, DiagnosticBag diagnostics)
    {
        var module = Lowerer.Lower(root, model, diagnostics);
        if (module is null) return null;
        // The frontend must only produce valid IR; anything the verifier finds is a frontend bug, except the
        // bounds on the expanded model (GD0308, GD0317), which only the whole lowered model shows.
        foreach (var d in Verifier.Verify(module)) diagnostics.Add(d);
        return diagnostics.HasErrors ? null : module;
    }

    /// <summary>A part (<c>model NAME for TARGET</c>) must name another model of the file that is not itself a part.</summary>
    private static bool CheckParts(IReadOnlyList<ModelSyntax> models, DiagnosticBag diagnostics)
    {
        bool ok = true;
        foreach (var part in models.Where(m => m.Target is not null))
        {
            var target = models.FirstOrDefault(m => m.Name == part.Target);
            string? problem = target is null
                ? "is not a model of this file" + GraphDsl.Ir.Suggest.DidYouMean(part.Target!, models.Where(m => m.Target is null).Select(m => m.Name))
                : target == part ? "is the part itself"
                : target.Target is not null ? $"is itself a part (of '{target.Target}'); a part belongs to a main model"
                : null;
            if (problem is null) continue;
            diagnostics.Report(DiagnosticCatalog.BadModelPart, part.TargetSpan, part.Name, part.Target!, problem);
            ok = false;
        }
        return ok;
    }

    /// <summary>Parses and resolves imports only: syntax and import errors of a library file.</summary>
    public static IReadOnlyList<Diagnostic> CheckSyntax(SourceText source, ISourceResolver? resolver = null)
    {
        var diagnostics = new DiagnosticBag();
        new ProgramLoader(resolver ?? new FileSystemSourceResolver(source.Path), diagnostics).Load(source);
        return diagnostics.Items;
    }
}
