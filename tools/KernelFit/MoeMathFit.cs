using System;
using System.Collections.Generic;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// A candidate math term for the fused MoE at many tokens, checked on the same rows as <see cref="MoeRowFit"/> and not
/// used by the cost model: each grouped GEMM's FLOPs at the format's dense peak, times (K + K0) / K, K being the GEMM's
/// reduction length (hidden for the gate/up GEMM, two thirds of the FLOPs; inter / moe_tp for the down GEMM, one third).
/// A CTA computes an output tile in K / k_tile steps and pays a fixed fill and epilogue per tile: short K loops (narrow
/// experts, small hidden) run below the rate of a long one. One constant per table, K0, on a grid (0, then 100 x 1.1^i up to
/// ~30,000), minimising the median |ln(predicted / measured)| over the balanced rows with the law's other terms and the kept
/// per-row and per-expert terms held. Reported against the law (FLOPs at the large-GEMM rate) over all rows, by expert width,
/// at a few tokens under expert parallelism and at 1,024 tokens and more (<see cref="ManyTokensFrom"/>).
/// </summary>
public static class MoeMathFit
{
    public const double ManyTokensFrom = 1024;

    /// <summary>The error over all rows, narrow / middle / wide experts (<see cref="MoeRowFit.NarrowBelow"/>,
    /// <see cref="MoeRowFit.WideFrom"/>), the few-tokens rows under expert parallelism and the many-token rows (every ep).</summary>
    public sealed record Summary(MoeRowFit.Bucket All, MoeRowFit.Bucket Narrow, MoeRowFit.Bucket Middle, MoeRowFit.Bucket Wide,
        MoeRowFit.Bucket FewTokensEp, MoeRowFit.Bucket ManyTokens)
    {
        public override string ToString() => $"{All}  {Narrow}  {Middle}  {Wide}  {FewTokensEp}  {ManyTokens}";
    }

    /// <summary>The fitted K0 and the error with the law's math and with the K-loop form; kept (as a finding) only where it
    /// lowers the median error over all rows and over the many-token rows.</summary>
    public sealed record Result(double K0, Summary Before, Summary After)
    {
        public bool Lowers => After.All.MedianAbsLn < Before.All.MedianAbsLn && After.ManyTokens.MedianAbsLn < Before.ManyTokens.MedianAbsLn;
    }

    /// <summary>The K-loop form's math time on one row, at the dense <paramref name="peak"/> (FLOP/s).</summary>
    public static double MathSeconds(MoeRow r, double peak, double k0) => r.Flops / peak * (2.0 / 3 * (1 + k0 / r.Hidden) + 1.0 / 3 * (1 + k0 / r.Inter));

    /// <param name="overlap">The law the terms were fitted under (<see cref="MoeRowFit.Overlap"/>): the weights streamed
    /// under the math rather than before it.</param>
    public static Result Fit(IReadOnlyList<MoeRow> rows, double fixedSeconds, double stream, double rate, double peak, MoeRowFit.Coefficients terms, bool overlap = false)
    {
        var others = rows.Select(r => fixedSeconds + (overlap ? r.LawBytes - r.TouchedBytes : r.LawBytes) / stream + MoeRowFit.Terms(r, terms)).ToArray();
        double WithMath(MoeRow r, int i, double math) => others[i] + (overlap ? Math.Max(r.TouchedBytes / stream, math) : math);
        double Error(double k0) => Median(rows.Select((r, i) => Math.Abs(Math.Log(WithMath(r, i, MathSeconds(r, peak, k0)) / r.Seconds))).ToList());
        var grid = new List<double> { 0 };
        for (double k = 100; k <= 30000; k *= 1.1) grid.Add(k);
        double best = grid.MinBy(Error);
        return new Result(best, Check(rows, (r, i) => WithMath(r, i, r.Flops / rate)), Check(rows, (r, i) => WithMath(r, i, MathSeconds(r, peak, best))));
    }

    private static Summary Check(IReadOnlyList<MoeRow> rows, Func<MoeRow, int, double> predict)
    {
        var ratios = rows.Select((r, i) => r.Seconds / predict(r, i)).ToArray();
        MoeRowFit.Bucket Of(Func<MoeRow, bool> which)
        {
            var chosen = Enumerable.Range(0, rows.Count).Where(i => which(rows[i])).Select(i => ratios[i]).ToList();
            return new MoeRowFit.Bucket(chosen.Count, Median(chosen.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(chosen));
        }
        return new Summary(Of(_ => true), Of(r => r.Inter < MoeRowFit.NarrowBelow), Of(r => r.Inter >= MoeRowFit.NarrowBelow && r.Inter < MoeRowFit.WideFrom),
            Of(r => r.Inter >= MoeRowFit.WideFrom), Of(MoeRowFit.IsFewTokensEp), Of(r => r.Tokens >= ManyTokensFrom));
    }
}
