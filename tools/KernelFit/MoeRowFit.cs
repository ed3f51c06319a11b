using System;
using System.Collections.Generic;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// The per-row and per-expert work of a fused MoE layer: `b_pair x pairs x hidden + b_token x tokens x hidden + c_expert x
/// experts`, with pairs the token-expert copies the timed GPU handles (tokens x top-k / ep under balanced routing), tokens
/// its input rows, hidden the model's hidden size and experts the experts it runs.
/// <list type="bullet">
/// <item>Per row: a fused MoE kernel does more than stream the touched experts and multiply: it quantizes each input token
/// for FP8 and NVFP4 math (once per token), expands it into its k copies (a gather) and, after the second GEMM, un-permutes
/// and sums the copies weighted by the router (the finalize), in small kernels that run far below HBM bandwidth. In
/// AIConfigurator's tables the law is up to 2x too fast at narrow experts (inter / moe_tp below 96), where the GEMMs are
/// cheap and these passes dominate, and about 1.1x at wide ones. One term per copy alone overshoots pure tensor
/// parallelism (ep = 1: k copies of every token) at many tokens, where the per-token part is spread over k copies; with
/// both terms the per-token one comes out near zero for BF16 (nothing to quantize).</item>
/// <item>Per expert: a grouped GEMM visits each active expert as a problem of its own. CUTLASS's grouped kernels (the
/// ptr-array TMA kernels TensorRT-LLM's MoE GEMMs build on, include/cutlass/gemm/kernel/sm90_gemm_array_tma_warpspecialized_*.hpp
/// and sm100_gemm_array_tma_warpspecialized.hpp) rewrite a CTA's TMA descriptors and fence them each time it moves to
/// another expert, and each expert's tiles fill and drain their pipeline apart; the law's bytes and FLOPs have no such
/// term. Where many experts each get a few rows, the law is 1.2-1.8x too fast on NVFP4.</item>
/// </list>
/// The other forms tried on the same rows (padding each expert's token dimension to a 16-256 row tile, in the math or as
/// a lower streaming rate; padding inter / moe_tp to a 64-256 column tile; b x pairs alone; b x pairs x (hidden + inter);
/// a per-expert cost scaled by the expert's tile count, 2 inter + hidden, or by hidden or inter alone) explain less
/// (docs/cost-model.md). The coefficients minimise the median |ln(predicted / measured)| over the balanced rows of one
/// engine's table per weight format, with the law's other terms at the constants the cost model uses (the device's fixed
/// latency for that engine and format, the weight-streaming bandwidth and the GEMM rate) and the weights the table's
/// routing touched (<see cref="MoeRow.Experts"/>).
/// </summary>
public static class MoeRowFit
{
    /// <summary>Rows of one bucket: how many, their median |ln(predicted / measured)| and median measured / predicted.</summary>
    public sealed record Bucket(int N, double MedianAbsLn, double MedianRatio)
    {
        public override string ToString() => N == 0 ? "-" : $"{MedianAbsLn:F3} ({MedianRatio:F2}x, n {N})";
    }

    /// <summary>The law's error over all rows and by expert width: narrow (inter / moe_tp below 96), middle, wide (1536 and
    /// up); as a check of the per-token split, over the rows of 1,024 tokens and more on pure tensor parallelism (ep = 1);
    /// and over the few-tokens rows under expert parallelism the per-expert term is for (<see cref="IsFewTokensEp"/>).</summary>
    public sealed record Summary(Bucket All, Bucket Narrow, Bucket Middle, Bucket Wide, Bucket ManyTokensEp1, Bucket FewTokensEp);

    /// <summary>Seconds per token-expert pair and per input token (per hidden element), and per active expert.</summary>
    public sealed record Coefficients(double Pair, double Token, double Expert)
    {
        public static readonly Coefficients None = new(0, 0, 0);
    }

    /// <summary>The fits and the error before any term, with the per-row terms alone (<see cref="RowsOnly"/>, fitted with no
    /// per-expert term) and with what is kept (<see cref="Kept"/>: both fits' terms, the per-row ones alone, or nothing).</summary>
    public sealed record Result(Coefficients RowsOnlyFit, Coefficients WithExpertFit, Summary Before, Summary RowsOnly, Summary WithExpert)
    {
        /// <summary>The per-row terms are for the slowdown at narrow experts: kept only where they lower the median error over
        /// all rows and over the narrow ones (the middle ones where a table has no narrow rows). Coefficients that help overall
        /// but overshoot the narrow rows (vLLM's BF16 and FP8 on Hopper, 10-25 ps) stand in for another shortfall of the
        /// kernel (its wide rows are 1.3-1.7x slower than the law) and are dropped.</summary>
        public bool RowsKept => Lowers(RowsOnlyFit, RowsOnly);

        /// <summary>The per-expert term is for the few tokens per expert under expert parallelism: kept only where the fit with
        /// it lowers the median error over all rows and over those rows against the fit without it (the per-row terms where
        /// kept, else none), and its own per-row terms pass their rule.</summary>
        public bool ExpertKept
        {
            get
            {
                var without = RowsKept ? RowsOnly : Before;
                return WithExpertFit.Expert > 0 && (WithExpertFit.Pair + WithExpertFit.Token == 0 || Lowers(WithExpertFit, WithExpert))
                    && WithExpert.All.MedianAbsLn < without.All.MedianAbsLn && WithExpert.FewTokensEp.MedianAbsLn < without.FewTokensEp.MedianAbsLn;
            }
        }

        /// <summary>The coefficients the cost model takes.</summary>
        public Coefficients Kept => ExpertKept ? WithExpertFit : RowsKept ? RowsOnlyFit with { Expert = 0 } : Coefficients.None;

        /// <summary>The error with <see cref="Kept"/>.</summary>
        public Summary After => ExpertKept ? WithExpert : RowsKept ? RowsOnly : Before;

        private bool Lowers(Coefficients c, Summary s) => c.Pair + c.Token > 0 && s.All.MedianAbsLn < Before.All.MedianAbsLn
            && (Before.Narrow.N > 0 ? s.Narrow.MedianAbsLn < Before.Narrow.MedianAbsLn : s.Middle.MedianAbsLn < Before.Middle.MedianAbsLn);
    }

    public const double NarrowBelow = 96, WideFrom = 1536;

    /// <summary>The regime of the per-expert term: expert parallelism (ep of 2 and more) at 64 tokens and fewer.</summary>
    public static bool IsFewTokensEp(MoeRow r) => r.Ep >= 2 && r.Tokens <= 64;

    /// <summary>The cost model's fused-MoE law without the per-row and per-expert terms (the profiles' moe_serial_work).</summary>
    public static double Law(MoeRow r, double fixedSeconds, double stream, double rate) => fixedSeconds + r.LawBytes / stream + r.Flops / rate;

    /// <summary>The terms' time on one row.</summary>
    public static double Terms(MoeRow r, Coefficients c) => (c.Pair * r.Pairs + c.Token * r.Tokens) * r.Hidden + c.Expert * r.Experts;

    /// <summary>Fits on <paramref name="rows"/> (one format, balanced routing). The per-row terms alone: a geometric grid from
    /// 0.05 to 100 ps (and 0) in steps of 15%, then steps of 2% within 15% of the best. With the per-expert term: for each
    /// time per expert on a geometric grid from 10 ns to 10 us (and 0) in steps of 30%, the per-row terms at 0-1.25 times
    /// the first fit's; then steps of 3% within 15% of the best of all three.</summary>
    public static Result Fit(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate)
    {
        var law = rows.Select(r => Law(r, fixedSeconds, stream, rate)).ToArray();
        var pairs = rows.Select(r => r.Pairs * r.Hidden).ToArray();
        var tokens = rows.Select(r => r.Tokens * r.Hidden).ToArray();
        var experts = rows.Select(r => r.Experts).ToArray();
        var measured = rows.Select(r => r.Seconds).ToArray();
        var errors = new double[rows.Count];
        double Error(double pair, double token, double expert)
        {
            for (int i = 0; i < errors.Length; i++)
                errors[i] = Math.Abs(Math.Log((law[i] + pair * pairs[i] + token * tokens[i] + expert * experts[i]) / measured[i]));
            return Select(errors, errors.Length / 2);
        }

        var coarse = new List<double> { 0 };
        for (double b = 0.05e-12; b <= 100e-12; b *= 1.15) coarse.Add(b);
        (double Pair, double Token, double Expert, double Error) best = (0, 0, 0, Error(0, 0, 0));
        void Try(double pair, double token, double expert)
        {
            double e = Error(pair, token, expert);
            if (e < best.Error) best = (pair, token, expert, e);
        }
        foreach (var pair in coarse) foreach (var token in coarse) Try(pair, token, 0);
        var (p0, t0) = (best.Pair, best.Token);
        for (double fp = 0.85; fp <= 1.15; fp += 0.02)
            for (double ft = 0.85; ft <= 1.15; ft += 0.02) Try(p0 * fp, t0 * ft, 0);
        var rowsOnly = new Coefficients(best.Pair, best.Token, 0);

        var shares = new[] { 0, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0, 1.1, 1.25 };
        for (double c = 10e-9; c <= 10e-6; c *= 1.3)
            foreach (var fp in shares) foreach (var ft in shares) Try(rowsOnly.Pair * fp, rowsOnly.Token * ft, c);
        var (p1, t1, c1) = (best.Pair, best.Token, best.Expert);
        for (double fp = 0.85; fp <= 1.16; fp += 0.03)
            for (double ft = 0.85; ft <= 1.16; ft += 0.03)
                for (double fc = 0.85; fc <= 1.16; fc += 0.03) Try(p1 * fp, t1 * ft, c1 * fc);
        var withExpert = new Coefficients(best.Pair, best.Token, best.Expert);

        return new Result(rowsOnly, withExpert, Check(rows, fixedSeconds, stream, rate, Coefficients.None),
            Check(rows, fixedSeconds, stream, rate, rowsOnly), Check(rows, fixedSeconds, stream, rate, withExpert));
    }

    /// <summary>The law's error with given coefficients on any rows.</summary>
    public static Summary Check(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate, Coefficients c)
    {
        Bucket Of(Func<MoeRow, bool> which)
        {
            var chosen = rows.Where(which).ToList();
            var ratios = chosen.Select(r => r.Seconds / (Law(r, fixedSeconds, stream, rate) + Terms(r, c))).ToList();
            return new Bucket(chosen.Count, Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(ratios));
        }
        return new Summary(Of(_ => true), Of(r => r.Inter < NarrowBelow), Of(r => r.Inter >= NarrowBelow && r.Inter < WideFrom), Of(r => r.Inter >= WideFrom),
            Of(r => r.Tokens >= 1024 && r.Ep == 1), Of(IsFewTokensEp));
    }

    /// <summary>The k-th smallest of <paramref name="xs"/> (reordered in place): Hoare's selection, the same element a sort
    /// would put at k, in linear time (the fit evaluates the median thousands of times).</summary>
    public static double Select(double[] xs, int k)
    {
        int lo = 0, hi = xs.Length - 1;
        while (lo < hi)
        {
            double pivot = xs[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (xs[i] < pivot) i++;
                while (xs[j] > pivot) j--;
                if (i <= j) { (xs[i], xs[j]) = (xs[j], xs[i]); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        return xs[k];
    }
}
