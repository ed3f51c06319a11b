using System;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Reference.Generation;

/// <summary>A step whose logits hold no finite value, so no token can be chosen: the model's arithmetic
/// overflowed (typically NaN or huge weights). Thrown by <see cref="Generator"/> instead of picking one.</summary>
public sealed class DegenerateLogitsException : InvalidOperationException
{
    public DegenerateLogitsException(int step, ValueScan scan)
        : base($"step {step}: all {scan.Count} logits are NaN or infinite")
    {
        Step = step; Scan = scan;
    }

    /// <summary>The generation step (0 is the prefill).</summary>
    public int Step { get; }

    public ValueScan Scan { get; }
}
