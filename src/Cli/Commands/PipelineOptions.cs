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

    /// <summary>Parses the pipeline text (empty when none given) and checks the --print-after names;
    /// null after reporting errors.</summary>
    public Pipeline? Pipeline(ParseResult r, DiagnosticBag diagnostics, string? defaultPipeline = null)
    {
        var text = r.GetValue(Passes) ?? defaultPipeline ?? "";
        var pipeline = GraphDsl.Passes.Core.Pipeline.Parse(text, diagnostics);
        // A misspelt name would otherwise print nothing and look like a pass that never ran.
        bool namesKnown = true;
        foreach (var name in PrintAfterNames(r).Where(n => PassRegistry.Find(n) is null))
        {
            diagnostics.Report(DiagnosticCatalog.UnknownPass, SourceSpan.At("--print-after", 1, 1, name.Length, 0),
                name, GraphDsl.Ir.Suggest.DidYouMean(name, PassRegistry.Names), string.Join(", ", PassRegistry.Names));
            namesKnown = false;
        }
        return namesKnown ? pipeline : null;
    }

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
