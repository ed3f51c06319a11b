using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;

namespace GraphDsl.Passes.Core;

/// <summary>Instrumentation of a pipeline run, as mlir-opt offers it.</summary>
public sealed class PassManagerOptions
{
    public bool VerifyEach { get; init; }
    public bool PrintAfterAll { get; init; }
    public IReadOnlyCollection<string> PrintAfter { get; init; } = Array.Empty<string>();
    public bool TimePasses { get; init; }
    /// <summary>Where IR printouts and the timing report go.</summary>
    public TextWriter? Log { get; init; }
}

public sealed class PassTiming
{
    public PassTiming(string pass, double milliseconds, bool changed, IReadOnlyDictionary<string, long> statistics)
    {
        Pass = pass; Milliseconds = milliseconds; Changed = changed; Statistics = statistics;
    }
    public string Pass { get; }
    public double Milliseconds { get; }
    public bool Changed { get; }
    public IReadOnlyDictionary<string, long> Statistics { get; }
}

/// <summary>Runs a pipeline over a module: each pass in turn, with optional verification, printing and timing.</summary>
public sealed class PassManager
{
    private readonly Pipeline _pipeline;
    private readonly PassManagerOptions _options;

    public PassManager(Pipeline pipeline, PassManagerOptions? options = null)
    {
        _pipeline = pipeline;
        _options = options ?? new PassManagerOptions();
    }

    public PipelineRun Run(Module module)
    {
        var diagnostics = new List<Diagnostic>();
        var timings = new List<PassTiming>();
        var current = module;
        foreach (var element in _pipeline.Elements)
        {
            var pass = PassRegistry.Create(element);
            var watch = Stopwatch.StartNew();
            PassResult result;
            try { result = pass.Run(current); }
            catch (PassException e)
            {
                diagnostics.Add(DiagnosticCatalog.PassFailed.At(SourceSpan.None, element.Info.Name, e.Message));
                return new PipelineRun(null, diagnostics, timings);
            }
            catch (Exception e) when (e is IrBuildException or InvalidOperationException or ArgumentException or ArithmeticException)
            {
                diagnostics.Add(DiagnosticCatalog.PassFailed.At(SourceSpan.None, element.Info.Name, "internal error: " + e.Message));
                return new PipelineRun(null, diagnostics, timings);
            }
            watch.Stop();
            timings.Add(new PassTiming(element.ToString(), watch.Elapsed.TotalMilliseconds, result.Changed, result.Statistics));
            current = result.Module;
            if (_options.VerifyEach)
            {
                var errors = Verifier.Verify(current);
                if (errors.Count > 0)
                {
                    diagnostics.Add(DiagnosticCatalog.VerifyAfterPassFailed.At(errors[0].Span, element.Info.Name,
                        string.Join("; ", errors.Take(5).Select(e => e.Message)) + (errors.Count > 5 ? $" (and {errors.Count - 5} more)" : "")));
                    return new PipelineRun(null, diagnostics, timings);
                }
            }
            if (_options.Log is not null && (_options.PrintAfterAll || _options.PrintAfter.Contains(element.Info.Name)))
            {
                _options.Log.WriteLine($"// -----// IR Dump After {element} //----- //");
                _options.Log.Write(IrPrinter.Print(current));
            }
        }
        if (_options.TimePasses && _options.Log is not null) WriteTimings(timings, _options.Log);
        return new PipelineRun(current, diagnostics, timings);
    }

    public static void WriteTimings(IReadOnlyList<PassTiming> timings, TextWriter log)
    {
        var total = timings.Sum(t => t.Milliseconds);
        log.WriteLine("===-------------------------------------------------------------------------===");
        log.WriteLine("                         ... Pass execution timing report ...");
        log.WriteLine("===-------------------------------------------------------------------------===");
        log.WriteLine(FormattableString.Invariant($"  Total Execution Time: {total:F3} ms"));
        log.WriteLine("   Wall Time (ms)   Name");
        foreach (var t in timings)
        {
            var stats = t.Statistics.Count == 0 ? "" : "  (" + string.Join(", ", t.Statistics.Select(kv => kv.Key + "=" + kv.Value)) + ")";
            log.WriteLine(FormattableString.Invariant($"   {t.Milliseconds,12:F3}   {t.Pass}{stats}"));
        }
        log.WriteLine(FormattableString.Invariant($"   {total,12:F3}   Total"));
    }
}
