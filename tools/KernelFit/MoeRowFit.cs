using System;
using System.Collections.Generic;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// The per-row work of a fused MoE layer: `b x pairs x hidden`, with pairs the token-expert copies the timed GPU
/// handles (tokens x top-k / ep under balanced routing) and hidden the model's hidden size. A fused MoE kernel does
/// more than stream the touched experts and multiply: it expands each token into its k copies (a gather), quantizes
/// them for FP8 and NVFP4 math, and after the second GEMM un-permutes and sums the k copies weighted by the router
/// (the finalize). Each pass touches pairs x hidden elements in small, latency-bound kernels that run far below HBM
/// bandwidth, and the cost model's law (fixed + bytes / bandwidth + FLOPs / rate) has no such term: in
/// AIConfigurator's tables the law is up to 2x too fast at narrow experts (inter / moe_tp below 96), where the GEMMs
/// are cheap and these passes dominate, and about 1.1x too fast at wide ones. The alternatives tried on the same rows
/// (padding the token dimension of each expert's GEMM to a 16-128 row tile, padding inter / moe_tp to a 64-256 column
/// tile, b x pairs alone, b x pairs x (hidden + inter)) explain less or the same with more (docs/cost-model.md).
/// b is the value that minimises the median |ln(predicted / measured)| over the balanced rows of one engine's table
/// per weight format, with the law's other terms at the constants the cost model uses (the device's fixed latency
/// for that engine and format, the weight-streaming bandwidth and the GEMM rate).
/// </summary>
public static class MoeRowFit
{
    /// <summary>Rows of one bucket: how many, their median |ln(predicted / measured)| and median measured / predicted.</summary>
    public sealed record Bucket(int N, double MedianAbsLn, double MedianRatio)
    {
        public override string ToString() => N == 0 ? "-" : $"{MedianAbsLn:F3} ({MedianRatio:F2}x, n {N})";
    }

    /// <summary>The law's error over all rows and by expert width: narrow (inter / moe_tp below 96), middle, wide (1536 and up).</summary>
    public sealed record Summary(Bucket All, Bucket Narrow, Bucket Middle, Bucket Wide);

    /// <summary>The fitted coefficient (seconds per token-expert pair per hidden element) and the error before and after.</summary>
    public sealed record Result(double SecondsPerElement, Summary Before, Summary After)
    {
        /// <summary>The term is for the slowdown at narrow experts: kept only where it lowers the median error over all rows
        /// and over the narrow ones (the middle ones where a table has no narrow rows). A coefficient that helps overall
        /// but overshoots the narrow rows (vLLM's BF16 and FP8 on Hopper, 10-25 ps) stands in for another shortfall of the
        /// kernel (its wide rows are 1.3-1.5x slower than the law) and is dropped.</summary>
        public bool Kept => SecondsPerElement > 0 && After.All.MedianAbsLn < Before.All.MedianAbsLn
            && (Before.Narrow.N > 0 ? After.Narrow.MedianAbsLn < Before.Narrow.MedianAbsLn : After.Middle.MedianAbsLn < Before.Middle.MedianAbsLn);
    }

    public const double NarrowBelow = 96, WideFrom = 1536;

    /// <summary>The cost model's fused-MoE law without the per-row term (the profiles' moe_serial_work).</summary>
    public static double Law(MoeRow r, double fixedSeconds, double stream, double rate) => fixedSeconds + r.LawBytes / stream + r.Flops / rate;

    /// <summary>Fits b on <paramref name="rows"/> (one format, balanced routing) on a geometric grid from 0.05 to 100 ps.</summary>
    public static Result Fit(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate)
    {
        var law = rows.Select(r => Law(r, fixedSeconds, stream, rate)).ToArray();
        double Error(double b)
        {
            var errors = new List<double>(rows.Count);
            for (int i = 0; i < rows.Count; i++) errors.Add(Math.Abs(Math.Log((law[i] + b * rows[i].Pairs * rows[i].Hidden) / rows[i].Seconds)));
            return Median(errors);
        }
        double best = 0, bestError = Error(0);
        for (double b = 0.05e-12; b <= 100e-12; b *= 1.02)
        {
            double error = Error(b);
            if (error < bestError) (best, bestError) = (b, error);
        }
        return new Result(best, Check(rows, fixedSeconds, stream, rate, 0), Check(rows, fixedSeconds, stream, rate, best));
    }

    /// <summary>The law's error with a given coefficient on any rows (a power-law table checks the balanced fit).</summary>
    public static Summary Check(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate, double secondsPerElement)
    {
        Bucket Of(Func<MoeRow, bool> which)
        {
            var chosen = rows.Where(which).ToList();
            var ratios = chosen.Select(r => r.Seconds / (Law(r, fixedSeconds, stream, rate) + secondsPerElement * r.Pairs * r.Hidden)).ToList();
            return new Bucket(chosen.Count, Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(ratios));
        }
        return new Summary(Of(_ => true), Of(r => r.Inter < NarrowBelow), Of(r => r.Inter >= NarrowBelow && r.Inter < WideFrom), Of(r => r.Inter >= WideFrom));
    }
}
