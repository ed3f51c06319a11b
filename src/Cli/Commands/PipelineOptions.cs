using System;
using System.CommandLine;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary>The --passes pipeline and the pass-manager instrumentation flags, added to a command together.</summary>
internal sealed class PipelineOptions
{
    public Option<string?> Passes { get; } = CommonOptions.Passes();
    public Option<bool> PrintAfterAll { get; } = CommonOptions.PrintAfterAll();
    public Option<string[]> PrintAfter { get; } = CommonOptions.PrintAfter();
    public Option<bool> TimePasses { get; } = CommonOptions.TimePasses();
    public Option<bool> VerifyEach { get; } = CommonOptions.VerifyEach();

    public void AddTo(Command c)
    {
        c.Add(Passes); c.Add(PrintAfterAll); c.Add(PrintAfter); c.Add(TimePasses); c.Add(VerifyEach);
    }

    /// <summary>Parses the pipeline text (empty when none given) and checks the --print-after names: each must be a
    /// pass of this pipeline. Null after reporting errors.</summary>
    public Pipeline? Pipeline(ParseResult r, DiagnosticBag diagnostics, string? defaultPipeline = null)
    {
        var text = r.GetValue(Passes) ?? defaultPipeline ?? "";
        var pipeline = GraphDsl.Passes.Core.Pipeline.Parse(text, diagnostics);
        // A misspelt name, or a pass the pipeline does not run, would otherwise print nothing and look like a pass
        // that ran and printed an empty module.
        bool namesRun = true;
        foreach (var name in PrintAfterNames(r))
        {
            if (PassRegistry.Find(name) is null)
                diagnostics.Report(DiagnosticCatalog.UnknownPass, SourceSpan.At("--print-after", 1, 1, name.Length, 0),
                    name, GraphDsl.Ir.Suggest.DidYouMean(name, PassRegistry.Names), string.Join(", ", PassRegistry.Names));
            else if (pipeline is not null && !pipeline.Contains(name))
                diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None,
                    $"--print-after {name}: the pipeline has no '{name}' pass, so nothing would be printed (its passes: {Names(pipeline)})");
            else continue;
            namesRun = false;
        }
        return namesRun ? pipeline : null;
    }

    /// <summary>The passes a pipeline runs, each once, in order; "none" for the empty pipeline.</summary>
    private static string Names(Pipeline pipeline) =>
        pipeline.Elements.Count == 0 ? "none" : string.Join(", ", pipeline.Elements.Select(e => e.Info.Name).Distinct());

    private string[] PrintAfterNames(ParseResult r) =>
        (r.GetValue(PrintAfter) ?? Array.Empty<string>()).SelectMany(s => s.Split(',')).Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();

    public PassManagerOptions Instrumentation(ParseResult r) => new()
    {
        PrintAfterAll = r.GetValue(PrintAfterAll),
        PrintAfter = PrintAfterNames(r),
        TimePasses = r.GetValue(TimePasses),
        VerifyEach = r.GetValue(VerifyEach),
        Log = Console.Error,
    };
}
