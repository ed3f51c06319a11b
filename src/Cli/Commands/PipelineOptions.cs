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

    /// <summary>Parses the pipeline text (empty when none given); null after reporting errors.</summary>
    public Pipeline? Pipeline(ParseResult r, DiagnosticBag diagnostics, string? defaultPipeline = null)
    {
        var text = r.GetValue(Passes) ?? defaultPipeline ?? "";
        return GraphDsl.Passes.Core.Pipeline.Parse(text, diagnostics);
    }

    public PassManagerOptions Instrumentation(ParseResult r) => new()
    {
        PrintAfterAll = r.GetValue(PrintAfterAll),
        PrintAfter = (r.GetValue(PrintAfter) ?? Array.Empty<string>()).SelectMany(s => s.Split(',')).ToArray(),
        TimePasses = r.GetValue(TimePasses),
        VerifyEach = r.GetValue(VerifyEach),
        Log = Console.Error,
    };
}
