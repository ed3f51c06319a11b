using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>A request's TTFT under chunked prefill (<see cref="PrefillPasses"/>) against a brute-force count of when
/// the pass holding the end of each prompt completes.</summary>
public class PrefillPassesTests
{
    /// <summary>The definition, one request at a time: request i ends at token i P, in pass ceil(i P / M), done after
    /// min(pass x M, n P) tokens.</summary>
    private static double BruteForceShare(long n, long prompt, long passTokens)
    {
        double sum = 0;
        for (long i = 1; i <= n; i++)
        {
            long pass = (i * prompt + passTokens - 1) / passTokens;
            sum += Math.Min(pass * passTokens, n * prompt);
        }
        return sum / n / (n * prompt);
    }

    [Fact]
    public void The_closed_form_matches_the_count_of_every_small_case()
    {
        foreach (var n in new long[] { 1, 2, 3, 7, 8, 64, 129 })
            foreach (var prompt in new long[] { 1, 3, 100, 1024, 5000 })
                foreach (var pass in new long[] { 1, 7, 1000, 2048, 8192 })
                    Assert.True(Math.Abs(BruteForceShare(n, prompt, pass) - PrefillPasses.MeanFirstTokenShare(n, prompt, pass)) < 1e-12,
                        $"n={n} prompt={prompt} pass={pass}: {BruteForceShare(n, prompt, pass)} vs {PrefillPasses.MeanFirstTokenShare(n, prompt, pass)}");
    }

    [Theory]
    [InlineData(8, 1024, 8192, 1)]        // one pass: TTFT = the batch's prefill
    [InlineData(64, 1024, 8192, 8)]
    [InlineData(3, 5000, 8192, 2)]        // a pass may end inside a prompt
    [InlineData(1_000_000, 131_072, 8192, 16_000_000)]
    public void Passes_are_the_batchs_tokens_over_the_pass_size(long n, long prompt, long pass, long expected) =>
        Assert.Equal(expected, PrefillPasses.Count(n, prompt, pass));

    [Fact]
    public void Large_batches_stay_exact_and_between_the_bounds()
    {
        // A million 128k prompts: 16 million passes, too many to walk; the share tends to (N + 1) / 2N ~ 1/2.
        double share = PrefillPasses.MeanFirstTokenShare(1_000_000, 131_072, 8192);
        Assert.InRange(share, 0.5, 0.5 + 1e-6);
        Assert.Equal(1.0, PrefillPasses.MeanFirstTokenShare(1, 131_072, 8192));
    }

    [Fact]
    public void Every_request_pays_the_fixed_overhead()
    {
        // T = 10 ms with o = 2 ms, two passes (share 3/4): 2 + 8 x 3/4 = 8 ms.
        Assert.Equal(8e-3, PrefillPasses.MeanTtftSeconds(10e-3, 2e-3, 2, 8192, 8192), 12);
        Assert.Equal(10e-3, PrefillPasses.MeanTtftSeconds(10e-3, 2e-3, 1, 8192, 8192), 12);
    }

    /// <summary>The predictor's request TTFT is the definition applied to its batch prefill and the profile's overhead.</summary>
    [Fact]
    public void The_predictor_applies_it_to_its_batch_prefill()
    {
        var eff = EfficiencyProfile.Find("default")!;
        var p = Models.Predictor("llama-3-8b", "h100-sxm", new Deployment(new ParallelLayout(1)));
        double batch = p.BatchPrefillSeconds(64, 1024);
        double expected = eff.PrefillSeconds + (batch - eff.PrefillSeconds) * BruteForceShare(64, 1024, (long)eff.MaxBatchedTokens);
        Assert.Equal(expected, p.RequestTtftSeconds(64, 1024), 12);
        Assert.Equal(p.BatchPrefillSeconds(4, 1024), p.RequestTtftSeconds(4, 1024), 12);
        var prediction = p.Predict(new Workload(64, 1024, 2048));
        Assert.Equal(expected * 1e3, prediction.TtftMs, 9);
        Assert.Equal(batch * 1e3, prediction.Prefill.Milliseconds, 9);
    }
}
