using System;
using System.IO;
using System.Reflection;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Frontend.Semantics;

/// <summary>Finds the text of an imported file other than the standard library (the loader serves
/// <c>std/...</c> itself). The CLI reads the file system; the source generator serves the project's
/// additional files. The loader has already refused what no resolver may serve (<see cref="ImportRules"/>).</summary>
public interface ISourceResolver
{
    ImportResult Resolve(string importPath, string fromFile);
}

/// <summary>What resolving one import gave: the file, or the diagnostic that says why not, which the loader
/// places at the import statement. A refusal names paths, never the content of a file.</summary>
public sealed class ImportResult
{
    private readonly DiagnosticDescriptor? _problem;
    private readonly object[] _args;

    private ImportResult(SourceText? source, DiagnosticDescriptor? problem, params object[] args)
    {
        Source = source; _problem = problem; _args = args;
    }

    /// <summary>The imported file; null when the import failed.</summary>
    public SourceText? Source { get; }

    public static ImportResult Found(SourceText source) => new(source, null);

    /// <summary>GD0207: nothing by that name where imports are looked for.</summary>
    public static ImportResult NotFound(string importPath, string reason) => new(null, DiagnosticCatalog.ImportNotFound, importPath, reason);

    /// <summary>GD0222: the import names something that may not be imported (outside the roots, not a regular file).</summary>
    public static ImportResult Refused(string importPath, string reason) => new(null, DiagnosticCatalog.ImportRefused, importPath, reason);

    /// <summary>GD0107: the file is larger than a source may be.</summary>
    public static ImportResult TooLarge(string path, long size, long limit) => new(null, DiagnosticCatalog.FileTooLarge, path, size, limit);

    /// <summary>The failure as a diagnostic at <paramref name="span"/>.</summary>
    public Diagnostic ProblemAt(SourceSpan span) =>
        (_problem ?? throw new InvalidOperationException("the import was found")).At(span, _args);
}

/// <summary>The standard library (<c>std/...</c>), shipped as embedded resources of this assembly.</summary>
public static class StandardLibrary
{
    public const string Prefix = "std/";

    public static bool Names(string importPath) => importPath.StartsWith(Prefix, StringComparison.Ordinal);

    public static SourceText? Load(string importPath)
    {
        if (!Names(importPath)) return null;
        var name = importPath.EndsWith(".moe", StringComparison.Ordinal) ? importPath : importPath + ".moe";
        using var stream = typeof(StandardLibrary).GetTypeInfo().Assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return new SourceText(name, reader.ReadToEnd());
    }

    /// <summary>The module, or why there is none.</summary>
    public static ImportResult Resolve(string importPath) =>
        Load(importPath) is { } std ? ImportResult.Found(std)
            : ImportResult.NotFound(importPath, $"no standard-library module '{importPath}' (available: {string.Join(", ", Modules)})");

    public static string[] Modules =>
        Array.ConvertAll(Array.FindAll(typeof(StandardLibrary).GetTypeInfo().Assembly.GetManifestResourceNames(),
            n => n.StartsWith(Prefix, StringComparison.Ordinal)), n => n.Substring(0, n.Length - 4));
}
