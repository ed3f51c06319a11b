using System.Collections.Generic;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Passes.Core;

/// <summary>What a pipeline run gives: the module (null when a pass failed), the diagnostics and each pass's time.</summary>
public sealed class PipelineRun
{
    public PipelineRun(Module? module, IReadOnlyList<Diagnostic> diagnostics, IReadOnlyList<PassTiming> timings)
    {
        Module = module; Diagnostics = diagnostics; Timings = timings;
    }
    public Module? Module { get; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; }
    public IReadOnlyList<PassTiming> Timings { get; }
    public bool Success => Module is not null;
}
