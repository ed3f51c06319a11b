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
/// <item>Per copy, under the overlapped law (TensorRT-LLM's kernels, <see cref="Overlap"/>): the row kernels' fixed work on each
/// token-expert copy whatever its width, fitted with the three others where the experts' weights stream under the grouped
/// GEMMs' math; at 8-16k tokens the law was 1.4-1.7x too fast at hidden 2048 and 0.6x too slow at wide experts.</item>
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
    public sealed record Summary(Bucket All, Bucket Narrow, Bucket Middle, Bucket Wide, Bucket ManyTokensEp1, Bucket FewTokensEp, Bucket[] Bands)
    {
        /// <summary>The error by token band (<see cref="BandEdges"/>).</summary>
        public string BandsText => string.Join("  ", Bands.Select((b, i) => $"{BandNames[i]}: {b}"));
    }

    /// <summary>The token bands the error is also given by: decode batches (64 tokens and fewer), medium batches, the
    /// many-token decode batches and short prefills (1,025-4,096), and prefill chunks (more than 4,096).</summary>
    public static readonly double[] BandEdges = { 64, 1024, 4096 };
    public static readonly string[] BandNames = { "<= 64", "65-1024", "1025-4096", "> 4096" };
    public static int Band(double tokens) => tokens <= BandEdges[0] ? 0 : tokens <= BandEdges[1] ? 1 : tokens <= BandEdges[2] ? 2 : 3;

    /// <summary>Seconds per token-expert pair and per input token (per hidden element), per active expert, and per token-expert
    /// copy whatever its width (<see cref="Copy"/>, fitted only under <see cref="Overlap"/>).</summary>
    public sealed record Coefficients(double Pair, double Token, double Expert, double Copy = 0)
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
                return WithExpertFit.Expert > 0 && (WithExpertFit.Pair + WithExpertFit.Token + WithExpertFit.Copy == 0 || Lowers(WithExpertFit, WithExpert))
                    && WithExpert.All.MedianAbsLn < without.All.MedianAbsLn && WithExpert.FewTokensEp.MedianAbsLn < without.FewTokensEp.MedianAbsLn;
            }
        }

        /// <summary>The coefficients the cost model takes.</summary>
        public Coefficients Kept => ExpertKept ? WithExpertFit : RowsKept ? RowsOnlyFit with { Expert = 0 } : Coefficients.None;

        /// <summary>The error with <see cref="Kept"/>.</summary>
        public Summary After => ExpertKept ? WithExpert : RowsKept ? RowsOnly : Before;

        private bool Lowers(Coefficients c, Summary s) => c.Pair + c.Token + c.Copy > 0 && s.All.MedianAbsLn < Before.All.MedianAbsLn
            && (Before.Narrow.N > 0 ? s.Narrow.MedianAbsLn < Before.Narrow.MedianAbsLn : s.Middle.MedianAbsLn < Before.Middle.MedianAbsLn);
    }

    public const double NarrowBelow = 96, WideFrom = 1536;

    /// <summary>The regime of the per-expert term: expert parallelism (ep of 2 and more) at 64 tokens and fewer.</summary>
    public static bool IsFewTokensEp(MoeRow r) => r.Ep >= 2 && r.Tokens <= 64;

    /// <summary>The cost model's fused-MoE law without the per-row and per-expert terms (the profiles' moe_serial_work): streaming
    /// and math in series, or, <paramref name="overlap"/> (<see cref="Overlap"/>), the experts' weights streamed under the math
    /// and only the activations' traffic in series.</summary>
    public static double Law(MoeRow r, double fixedSeconds, double stream, double rate, bool overlap = false) => overlap
        ? fixedSeconds + Math.Max(r.TouchedBytes / stream, r.Flops / rate) + (r.LawBytes - r.TouchedBytes) / stream
        : fixedSeconds + r.LawBytes / stream + r.Flops / rate;

    /// <summary>The terms' time on one row.</summary>
    public static double Terms(MoeRow r, Coefficients c) => (c.Pair * r.Pairs + c.Token * r.Tokens) * r.Hidden + c.Expert * r.Experts + c.Copy * r.Pairs;

    /// <summary>Whether an engine's fused MoE is fitted under the overlapped law with a time per copy: TensorRT-LLM's CUTLASS
    /// kernels. Their grouped GEMMs are TMA warp-specialized (a producer warp loads the next weight tiles while the consumer
    /// warps multiply: cpp/tensorrt_llm/kernels/cutlass_kernels/moe_gemm/moe_gemm_template_dispatch_tma_ws.h), so at many rows
    /// per expert the weights stream under the math instead of before it; and their row kernels (expandInputRowsKernel, the
    /// activation kernel, finalizeMoeRoutingKernel in moe_kernels.cu) give each row a block of 256 threads that converts 8
    /// elements per thread per pass, one pass at hidden 2,048, so a copy costs a block's fixed work (index look-ups, scale
    /// factors, the row's launch) besides its width. vLLM's and SGLang's Triton kernels keep the serial law: under the
    /// overlapped one their tables' error rises (docs/cost-model.md).</summary>
    public static bool Overlap(string engine) => engine == "trtllm";

    /// <summary>Fits on <paramref name="rows"/> (one format, balanced routing). The per-row terms alone: a geometric grid from
    /// 0.05 to 100 ps (and 0) in steps of 15%, then steps of 2% within 15% of the best. With the per-expert term: for each
    /// time per expert on a geometric grid from 10 ns to 10 us (and 0) in steps of 30%, the per-row terms at 0-1.25 times
    /// the first fit's; then steps of 3% within 15% of the best of all three.</summary>
    public static Result Fit(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate, bool overlap = false)
    {
        var law = rows.Select(r => Law(r, fixedSeconds, stream, rate, overlap)).ToArray();
        var pairs = rows.Select(r => r.Pairs * r.Hidden).ToArray();
        var tokens = rows.Select(r => r.Tokens * r.Hidden).ToArray();
        var experts = rows.Select(r => r.Experts).ToArray();
        var copies = rows.Select(r => r.Pairs).ToArray();
        var measured = rows.Select(r => r.Seconds).ToArray();
        var errors = new double[rows.Count];
        double Error(double pair, double token, double expert, double copy)
        {
            for (int i = 0; i < errors.Length; i++)
                errors[i] = Math.Abs(Math.Log((law[i] + pair * pairs[i] + token * tokens[i] + expert * experts[i] + copy * copies[i]) / measured[i]));
            return Select(errors, errors.Length / 2);
        }

        var coarse = new List<double> { 0 };
        for (double b = 0.05e-12; b <= 100e-12; b *= 1.15) coarse.Add(b);
        (double Pair, double Token, double Expert, double Copy, double Error) best = (0, 0, 0, 0, Error(0, 0, 0, 0));
        void Try(double pair, double token, double expert, double copy)
        {
            double e = Error(pair, token, expert, copy);
            if (e < best.Error) best = (pair, token, expert, copy, e);
        }
        // The time per copy under the overlapped law: 0, then 0.2 to 20 ns in steps of 30%.
        var copyGrid = new List<double> { 0 };
        if (overlap) for (double c = 0.2e-9; c <= 20e-9; c *= 1.3) copyGrid.Add(c);
        foreach (var copy in copyGrid) foreach (var pair in coarse) foreach (var token in coarse) Try(pair, token, 0, copy);
        var (p0, t0, k0) = (best.Pair, best.Token, best.Copy);
        var fine = overlap ? new[] { 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15 } : new[] { 1.0 };
        foreach (var fk in fine)
            for (double fp = 0.85; fp <= 1.15; fp += 0.02)
                for (double ft = 0.85; ft <= 1.15; ft += 0.02) Try(p0 * fp, t0 * ft, 0, k0 * fk);
        var rowsOnly = new Coefficients(best.Pair, best.Token, 0, best.Copy);

        var shares = new[] { 0, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0, 1.1, 1.25 };
        for (double c = 10e-9; c <= 10e-6; c *= 1.3)
            foreach (var fp in shares) foreach (var ft in shares) Try(rowsOnly.Pair * fp, rowsOnly.Token * ft, c, rowsOnly.Copy);
        var (p1, t1, c1, k1) = (best.Pair, best.Token, best.Expert, best.Copy);
        foreach (var fk in fine)
            for (double fp = 0.85; fp <= 1.16; fp += 0.03)
                for (double ft = 0.85; ft <= 1.16; ft += 0.03)
                    for (double fc = 0.85; fc <= 1.16; fc += 0.03) Try(p1 * fp, t1 * ft, c1 * fc, k1 * fk);
        var withExpert = new Coefficients(best.Pair, best.Token, best.Expert, best.Copy);

        return new Result(rowsOnly, withExpert, Check(rows, fixedSeconds, stream, rate, Coefficients.None, overlap),
            Check(rows, fixedSeconds, stream, rate, rowsOnly, overlap), Check(rows, fixedSeconds, stream, rate, withExpert, overlap));
    }

    /// <summary>The law's error with given coefficients on any rows.</summary>
    public static Summary Check(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate, Coefficients c, bool overlap = false)
    {
        Bucket Of(Func<MoeRow, bool> which)
        {
            var chosen = rows.Where(which).ToList();
            var ratios = chosen.Select(r => r.Seconds / (Law(r, fixedSeconds, stream, rate, overlap) + Terms(r, c))).ToList();
            return new Bucket(chosen.Count, Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(ratios));
        }
        return new Summary(Of(_ => true), Of(r => r.Inter < NarrowBelow), Of(r => r.Inter >= NarrowBelow && r.Inter < WideFrom), Of(r => r.Inter >= WideFrom),
            Of(r => r.Tokens >= 1024 && r.Ep == 1), Of(IsFewTokensEp), Enumerable.Range(0, BandNames.Length).Select(b => Of(r => Band(r.Tokens) == b)).ToArray());
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
