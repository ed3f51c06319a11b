using System;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>
/// A request's time to first token (TTFT) when an engine prefills a batch in passes (chunked prefill). Each replica
/// prefills its n requests' prompts of P tokens in arrival order, in passes of at most M = max_batched_tokens tokens
/// (a pass may end inside a prompt). Request i (1-based) gets its first token when the pass holding the end of its
/// prompt completes: pass ceil(iP / M), after c_i = min(ceil(iP / M) M, nP) of the batch's nP tokens. The batch's
/// prefill time T is spread over its passes in proportion to their tokens, and every request pays the profile's
/// fixed prefill overhead o (request setup, sampling): TTFT_i = o + (T - o) c_i / (nP). The reported TTFT is the
/// mean over the batch. With every prompt in one pass (nP &lt;= M) it is T, the batch's prefill.
/// </summary>
public static class PrefillPasses
{
    /// <summary>Passes one replica runs to prefill <paramref name="requests"/> prompts of <paramref name="prompt"/> tokens.</summary>
    public static long Count(long requests, long prompt, long passTokens) =>
        (long)Int128.Min(CeilDiv(requests * (Int128)prompt, Math.Max(1, passTokens)), long.MaxValue);

    /// <summary>Most tokens one prefill pass of a replica holds: the profile's max_batched_tokens.</summary>
    public static long PassTokens(EfficiencyProfile eff) => Math.Max(1, (long)eff.MaxBatchedTokens);

    /// <summary>The mean over the requests of c_i / (nP): the share of the batch's prefill done when a request's first token comes.</summary>
    public static double MeanFirstTokenShare(long requests, long prompt, long passTokens)
    {
        if (requests < 1 || prompt < 1) return 1;
        long m = Math.Max(1, passTokens);
        Int128 total = (Int128)requests * prompt;
        if (total <= m) return 1;
        Int128 passes = CeilDiv(total, m);
        // sum over i = 1..n of ceil(iP / M) = sum over i = 0..n-1 of floor((P i + P + M - 1) / M)
        Int128 passIndexSum = FloorSum(requests, m, prompt, prompt + m - 1);
        // The last pass ends at nP tokens, not at passes x M: its requests (iP > (passes - 1) M) complete earlier.
        Int128 inLastPass = requests - (passes - 1) * m / prompt;
        Int128 completed = m * passIndexSum - inLastPass * (passes * m - total);
        return (double)completed / ((double)requests * (double)total);
    }

    /// <summary>The mean TTFT of the batch's requests, from the batch's prefill time and the fixed overhead it includes.</summary>
    public static double MeanTtftSeconds(double batchSeconds, double overheadSeconds, long requests, long prompt, long passTokens)
    {
        double o = Math.Min(overheadSeconds, batchSeconds);
        return o + (batchSeconds - o) * MeanFirstTokenShare(requests, prompt, passTokens);
    }

    private static Int128 CeilDiv(Int128 a, Int128 b) => (a + b - 1) / b;

    /// <summary>sum over i = 0..n-1 of floor((a i + b) / m), for n, a, b &gt;= 0 and m &gt;= 1, in O(log m) steps
    /// (the Euclid-like reduction of AtCoder Library's floor_sum).</summary>
    private static Int128 FloorSum(Int128 n, Int128 m, Int128 a, Int128 b)
    {
        Int128 sum = 0;
        while (true)
        {
            if (a >= m) { sum += (n - 1) * n / 2 * (a / m); a %= m; }
            if (b >= m) { sum += n * (b / m); b %= m; }
            Int128 yMax = a * n + b;
            if (yMax < m) return sum;
            n = yMax / m;
            b = yMax % m;
            (m, a) = (a, m);
        }
    }
}
