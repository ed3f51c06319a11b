using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using GraphDsl.Cli.Rendering;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli;

/// <summary>Exit codes of every command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The input has errors (diagnostics were printed).</summary>
    public const int InputError = 1;
    /// <summary>The command line is wrong.</summary>
    public const int UsageError = 2;
}

/// <summary>The steps every command shares: read a .moe or .gir file into a module, run a pipeline,
/// print diagnostics, write output.</summary>
internal static class Driver
{
    /// <summary>Compiles a .moe file (or parses and verifies a .gir file); prints diagnostics; null on errors.
    /// Imports resolve beside the importing file and under the import roots: the file's folder and
    /// <paramref name="importPaths"/> (--import-path).</summary>
    public static Module? Load(string path, string? model, IReadOnlyList<string>? importPaths = null) =>
        Load(path, model, importPaths, refuseParts: false, out _);

    /// <summary><see cref="Load"/> for the commands that price a model as it is served (predict, compare, sweep, serve,
    /// plan): <paramref name="model"/> naming a part of the file (<c>model NAME for TARGET</c>, the target's
    /// multi-token-prediction module) is a usage error, since a part only drafts for its model (<c>--speculative
    /// mtp:K</c>); priced alone, DeepSeek-V3's MTP module read as a 14-billion-parameter model of its own. Null after
    /// printing why, with <paramref name="exitCode"/> the code to return.</summary>
    public static Module? LoadServed(string path, string? model, IReadOnlyList<string>? importPaths, out int exitCode) =>
        Load(path, model, importPaths, refuseParts: true, out exitCode);

    private static Module? Load(string path, string? model, IReadOnlyList<string>? importPaths, bool refuseParts, out int exitCode)
    {
        exitCode = ExitCodes.InputError;
        if (path.EndsWith(".gir", StringComparison.OrdinalIgnoreCase)) return LoadIr(path);
        var result = Compiler.CompileFile(path, model, new FileSystemSourceResolver(path, importPaths));
        if (refuseParts && model is not null && result.Parts.TryGetValue(model, out var target))
        {
            Report(DiagnosticCatalog.PartPricedAlone.At(SourceSpan.None, model, target));
            exitCode = ExitCodes.UsageError;
            return null;
        }
        DiagnosticRenderer.Write(Console.Error, result.Diagnostics, result.Sources);
        return result.Success ? result.Module : null;
    }

    /// <summary>The part (MTP module) that <paramref name="path"/> declares for its model <paramref name="target"/>; null
    /// after printing why (none declared, or its diagnostics).</summary>
    public static Module? LoadPart(string path, string target, IReadOnlyList<string>? importPaths = null)
    {
        var part = path.EndsWith(".gir", StringComparison.OrdinalIgnoreCase) ? null
            : Compiler.CompilePartFile(path, target, new FileSystemSourceResolver(path, importPaths));
        if (part is null)
        {
            DiagnosticRenderer.Write(Console.Error, new[] { DiagnosticCatalog.InvalidOption.At(SourceSpan.None,
                $"--speculative mtp: '{path}' declares no multi-token-prediction module for {target} (a 'model NAME for {target}' in the file)") },
                new Dictionary<string, SourceText>());
            return null;
        }
        DiagnosticRenderer.Write(Console.Error, part.Diagnostics, part.Sources);
        return part.Success ? part.Module : null;
    }

    public static Module? LoadIr(string path)
    {
        var text = ReadText(path, IrParser.MaxFileBytes);
        if (text is null) return null;
        var diagnostics = new DiagnosticBag();
        var module = IrParser.TryParse(text, path, diagnostics);
        var sources = new Dictionary<string, SourceText> { [path] = new SourceText(path, text) };
        if (module is not null) diagnostics.AddRange(Verifier.Verify(module));
        DiagnosticRenderer.Write(Console.Error, diagnostics.Items, sources);
        return diagnostics.HasErrors ? null : module;
    }

    public static Module? RunPipeline(Module module, Pipeline pipeline, PassManagerOptions options)
    {
        var run = new PassManager(pipeline, options).Run(module);
        DiagnosticRenderer.Write(Console.Error, run.Diagnostics, null);
        return run.Module;
    }

    public static void Report(Diagnostic d) => DiagnosticRenderer.Write(Console.Error, new[] { d }, null);

    public static void Report(IEnumerable<Diagnostic> ds) => DiagnosticRenderer.Write(Console.Error, ds, null);

    /// <summary>Streams output to the file (for outputs too large to build as one string), or writes it to
    /// standard output; false (after reporting) when the file cannot be written.</summary>
    public static bool WriteOutput(string? path, Action<Stream> write)
    {
        if (path is not null) return WriteFile(path, write);
        // Through Console.Out, so a redirected Console (the in-process tests, a host) sees it.
        using var buffer = new MemoryStream();
        write(buffer);
        Console.Out.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        return true;
    }

    /// <summary>Writes text to the file (UTF-8, no byte-order mark, as File.WriteAllText) or to standard
    /// output; false (after reporting) when the file cannot be written.</summary>
    public static bool WriteOutput(string? path, string text)
    {
        if (path is null) { Console.Out.Write(text); return true; }
        return WriteFile(path, s => { var bytes = Utf8NoBom.GetBytes(text); s.Write(bytes, 0, bytes.Length); });
    }

    private static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the file whole or not at all (<see cref="OutputFile"/>): a failed or killed run leaves
    /// the previous file intact.</summary>
    private static bool WriteFile(string path, Action<Stream> write)
    {
        try
        {
            OutputFile.Write(path, write);
            return true;
        }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            Report(DiagnosticCatalog.CannotWrite.At(SourceSpan.None, path, FileErrors.Reason(path, e)));
            return false;
        }
    }

    /// <summary>The text of a data file (a measurements CSV, ...) of at most <paramref name="limit"/> bytes; null after
    /// reporting why it cannot be read (GD0801, naming <paramref name="what"/> when it is too large).</summary>
    public static string? ReadData(string path, long limit, string what)
    {
        try { return InputFile.ReadAllText(path, limit, what); }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            Report(DiagnosticCatalog.FileNotFound.At(SourceSpan.None, path, FileErrors.Reason(path, e)));
            return null;
        }
    }

    /// <summary>The text of a source file (.moe, .gir) of at most <paramref name="limit"/> bytes; null after
    /// reporting why it cannot be read (GD0801, or GD0107 when it is too large).</summary>
    public static string? ReadText(string path, long limit)
    {
        try { return InputFile.ReadAllText(path, limit, "a source file"); }
        catch (InputFileTooLargeException e)
        {
            Report(DiagnosticCatalog.FileTooLarge.At(SourceSpan.At(path, 1, 1), path, e.Size, e.Limit));
            return null;
        }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            Report(DiagnosticCatalog.FileNotFound.At(SourceSpan.None, path, FileErrors.Reason(path, e)));
            return null;
        }
    }
}
