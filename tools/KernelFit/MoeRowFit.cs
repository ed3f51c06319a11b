using System;
using System.Collections.Generic;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// The per-row work of a fused MoE layer: `b_pair x pairs x hidden + b_token x tokens x hidden`, with pairs the
/// token-expert copies the timed GPU handles (tokens x top-k / ep under balanced routing), tokens its input rows and
/// hidden the model's hidden size. A fused MoE kernel does more than stream the touched experts and multiply: it
/// quantizes each input token for FP8 and NVFP4 math (once per token), expands it into its k copies (a gather) and,
/// after the second GEMM, un-permutes and sums the copies weighted by the router (the finalize), in small kernels that
/// run far below HBM bandwidth; the cost model's law (fixed + bytes / bandwidth + FLOPs / rate) has no such term. In
/// AIConfigurator's tables the law is up to 2x too fast at narrow experts (inter / moe_tp below 96), where the GEMMs are
/// cheap and these passes dominate, and about 1.1x at wide ones. One term per copy alone overshoots pure tensor
/// parallelism (ep = 1: k copies of every token) at many tokens, where the per-token part is spread over k copies;
/// with both terms the per-token one comes out near zero for BF16 (nothing to quantize). The other forms tried on the
/// same rows (padding each expert's token dimension to a 16-128 row tile, padding inter / moe_tp to a 64-256 column
/// tile, b x pairs alone, b x pairs x (hidden + inter)) explain less (docs/cost-model.md). The coefficients minimise
/// the median |ln(predicted / measured)| over the balanced rows of one engine's table per weight format, with the
/// law's other terms at the constants the cost model uses (the device's fixed latency for that engine and format, the
/// weight-streaming bandwidth and the GEMM rate).
/// </summary>
public static class MoeRowFit
{
    /// <summary>Rows of one bucket: how many, their median |ln(predicted / measured)| and median measured / predicted.</summary>
    public sealed record Bucket(int N, double MedianAbsLn, double MedianRatio)
    {
        public override string ToString() => N == 0 ? "-" : $"{MedianAbsLn:F3} ({MedianRatio:F2}x, n {N})";
    }

    /// <summary>The law's error over all rows and by expert width: narrow (inter / moe_tp below 96), middle, wide (1536 and
    /// up); and, as a check of the per-token split, over the rows of 1,024 tokens and more on pure tensor parallelism (ep = 1).</summary>
    public sealed record Summary(Bucket All, Bucket Narrow, Bucket Middle, Bucket Wide, Bucket ManyTokensEp1);

    /// <summary>The fitted coefficients (seconds per token-expert pair, and per input token, per hidden element) and the
    /// error before and after.</summary>
    public sealed record Result(double PairSeconds, double TokenSeconds, Summary Before, Summary After)
    {
        /// <summary>The terms are for the slowdown at narrow experts: kept only where they lower the median error over all
        /// rows and over the narrow ones (the middle ones where a table has no narrow rows). Coefficients that help overall
        /// but overshoot the narrow rows (vLLM's BF16 and FP8 on Hopper, 10-25 ps) stand in for another shortfall of the
        /// kernel (its wide rows are 1.3-1.7x slower than the law) and are dropped.</summary>
        public bool Kept => PairSeconds + TokenSeconds > 0 && After.All.MedianAbsLn < Before.All.MedianAbsLn
            && (Before.Narrow.N > 0 ? After.Narrow.MedianAbsLn < Before.Narrow.MedianAbsLn : After.Middle.MedianAbsLn < Before.Middle.MedianAbsLn);
    }

    public const double NarrowBelow = 96, WideFrom = 1536;

    /// <summary>The cost model's fused-MoE law without the per-row terms (the profiles' moe_serial_work).</summary>
    public static double Law(MoeRow r, double fixedSeconds, double stream, double rate) => fixedSeconds + r.LawBytes / stream + r.Flops / rate;

    private static double Rows(MoeRow r, double pair, double token) => (pair * r.Pairs + token * r.Tokens) * r.Hidden;

    /// <summary>Fits both coefficients on <paramref name="rows"/> (one format, balanced routing): a geometric grid from
    /// 0.05 to 100 ps (and 0) in steps of 15%, then steps of 2% within 15% of the best.</summary>
    public static Result Fit(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate)
    {
        var law = rows.Select(r => Law(r, fixedSeconds, stream, rate)).ToArray();
        var errors = new double[rows.Count];
        double Error(double pair, double token)
        {
            for (int i = 0; i < rows.Count; i++) errors[i] = Math.Abs(Math.Log((law[i] + Rows(rows[i], pair, token)) / rows[i].Seconds));
            Array.Sort(errors);
            return errors[errors.Length / 2];
        }
        var coarse = new List<double> { 0 };
        for (double b = 0.05e-12; b <= 100e-12; b *= 1.15) coarse.Add(b);
        (double Pair, double Token, double Error) best = (0, 0, Error(0, 0));
        void Try(double pair, double token)
        {
            double e = Error(pair, token);
            if (e < best.Error) best = (pair, token, e);
        }
        foreach (var pair in coarse) foreach (var token in coarse) Try(pair, token);
        var (p0, t0) = (best.Pair, best.Token);
        for (double fp = 0.85; fp <= 1.15; fp += 0.02)
            for (double ft = 0.85; ft <= 1.15; ft += 0.02) Try(p0 * fp, t0 * ft);
        return new Result(best.Pair, best.Token, Check(rows, fixedSeconds, stream, rate, 0, 0), Check(rows, fixedSeconds, stream, rate, best.Pair, best.Token));
    }

    /// <summary>The law's error with given coefficients on any rows.</summary>
    public static Summary Check(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate, double pair, double token)
    {
        Bucket Of(Func<MoeRow, bool> which)
        {
            var chosen = rows.Where(which).ToList();
            var ratios = chosen.Select(r => r.Seconds / (Law(r, fixedSeconds, stream, rate) + Rows(r, pair, token))).ToList();
            return new Bucket(chosen.Count, Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(ratios));
        }
        return new Summary(Of(_ => true), Of(r => r.Inter < NarrowBelow), Of(r => r.Inter >= NarrowBelow && r.Inter < WideFrom), Of(r => r.Inter >= WideFrom),
            Of(r => r.Tokens >= 1024 && r.Ep == 1));
    }
}
