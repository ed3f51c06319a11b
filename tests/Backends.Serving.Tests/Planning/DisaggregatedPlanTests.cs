using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.Serving.Planning;

namespace GraphDsl.Backends.Serving.Tests.Planning;

/// <summary>The disaggregated family beside the aggregated one, on Llama 3 70B (FP8) over 8 H100s: disaggregation wins
/// where prefills would stall every decode step of a shared engine (long prompts under a tight TPOT target) and loses
/// where the prefill instances would idle (short prompts, long outputs, a loose target); the xPyD splits use exactly the
/// GPUs; the screen's TTFT holds the KV transfer the simulation prices.</summary>
public class DisaggregatedPlanTests
{
    private const string Sample = "llama-3-70b";
    private static readonly int[] Gpus = { 8 };

    /// <summary>8,192-token prompts at 1.5 requests/s, TPOT p90 within 25 ms: chunked prefill puts up to 2,048 prompt
    /// tokens in every step beside the decodes (TPOT p90 about 50 ms on TP4 x 2; a batch small enough to keep TPOT down
    /// queues requests past the TTFT target), while a decode instance of TP4 runs decodes alone (about 14 ms).</summary>
    [Fact]
    public void Long_prompts_under_a_tight_tpot_target_choose_disaggregation()
    {
        var (search, result) = Plans.Run(Sample, Gpus, "poisson:rate=1.5,prompt=8192,output=256", "ttft=5000,tpot=25", disaggregated: true);
        var best = Assert.IsType<Simulated>(result.Best);
        Assert.Equal(PlanKind.Disaggregated, best.Candidate.Kind);
        Assert.True(best.Report!.TpotMs.P90 <= 25, best.Candidate.Describe());
        var aggregated = result.Simulated.Where(s => s.Candidate.Kind == PlanKind.Aggregated && s.HasFigures).ToList();
        Assert.NotEmpty(aggregated);
        // Either TPOT is over the target, or the batch is held so small (8 sequences) that requests queue past the TTFT target.
        foreach (var run in aggregated)
            Assert.False(run.Meets(search.Slo), $"{run.Candidate.Describe()}: TTFT p90 {run.Report!.TtftMs.P90:F0} ms, TPOT p90 {run.Report.TpotMs.P90:F1} ms");
        Assert.Contains(aggregated, run => run.Report!.TpotMs.P90 > 25);
        Assert.Contains(result.Pareto, p => p.Candidate.Kind == PlanKind.Disaggregated);
        // The decode instances hold the decode deployment; the instances use exactly the cluster's GPUs.
        var s = best.Candidate.Scheduler;
        Assert.Equal(8, s.Prefill!.Gpus + s.Decode!.Gpus);
        Assert.Equal(s.Decode.Tp, best.Candidate.DecodeDeployment!.Layout.Tp);
        Assert.StartsWith("8 x h100-sxm disaggregated weights=fp8 kv=keep disagg{prefill=", best.Candidate.Describe());
    }

    /// <summary>256-token prompts and 1,024-token outputs from 64 clients, TPOT p90 within 100 ms: prompts are a sliver of
    /// the work, so GPUs kept apart for them mostly idle, and one engine over all eight GPUs decodes more per GPU.</summary>
    [Fact]
    public void Short_prompts_and_long_outputs_keep_aggregation()
    {
        var (search, result) = Plans.Run(Sample, Gpus, "concurrency:64,prompt=256,output=1024", "tpot=100", disaggregated: true);
        var best = Assert.IsType<Simulated>(result.Best);
        Assert.Equal(PlanKind.Aggregated, best.Candidate.Kind);
        var disaggregated = result.Simulated.Where(s => s.Candidate.Kind == PlanKind.Disaggregated && s.HasFigures && s.Meets(search.Slo)).ToList();
        Assert.NotEmpty(disaggregated);
        double bestDisaggregated = disaggregated.Max(s => s.Report!.OutputTokensPerSecondPerGpu);
        Assert.True(bestDisaggregated < 0.95 * best.Report!.OutputTokensPerSecondPerGpu,
            $"disaggregated {bestDisaggregated:F1} against aggregated {best.Report.OutputTokensPerSecondPerGpu:F1} tokens/s per GPU");
    }

    /// <summary>Both families get simulation slots (half each), and the rivals' reasons name the kind.</summary>
    [Fact]
    public void Both_kinds_are_simulated_and_ranked_alike()
    {
        var (search, result) = Plans.Run(Sample, Gpus, "poisson:rate=1.5,prompt=8192,output=256", "ttft=5000,tpot=25", disaggregated: true);
        Assert.InRange(result.Simulated.Count(s => s.Candidate.Kind == PlanKind.Disaggregated), 1, search.Simulate);
        Assert.InRange(result.Simulated.Count(s => s.Candidate.Kind == PlanKind.Aggregated), 1, search.Simulate / 2);
        Assert.True(result.Simulated.Count <= search.Simulate);
        Assert.Equal(result.Simulated.Count, result.Simulated.Select(s => s.Candidate).Distinct().Count());
    }

    /// <summary>Every split of 16 GPUs in two nodes of 8: x prefill and y decode instances of powers-of-two sizes below 16
    /// that add up to 16.</summary>
    [Fact]
    public void Splits_use_exactly_the_gpus()
    {
        var target = new PlanTarget(new Cluster(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 2, 8), Plans.Profile);
        Assert.Equal(new[] { 1, 2, 4, 8 }, DisaggregatedSpace.Sizes(target));
        var splits = DisaggregatedSpace.Splits(target).ToList();
        Assert.All(splits, s => Assert.Equal(16, s.PrefillGpus * s.Prefills + s.DecodeGpus * s.Decodes));
        Assert.Contains((8, 1, 8, 1), splits);
        Assert.Contains((4, 1, 4, 3), splits);
        Assert.Contains((4, 3, 2, 2), splits);
        Assert.Equal(splits.Count, splits.Distinct().Count());
        // (1, x, 1, 16 - x) for x = 1..15, and so on: 15 splits of one-GPU instances alone.
        Assert.Equal(15, splits.Count(s => s.PrefillGpus == 1 && s.DecodeGpus == 1));
    }

    /// <summary>At a very low rate a request meets no queue: the simulated TTFT is the prefill plus the KV transfer (over
    /// NVLink in one node), and the screen's estimate holds both.</summary>
    [Fact]
    public void The_screen_prices_the_kv_transfer_in_ttft()
    {
        var (_, result) = Plans.Run(Sample, Gpus, "poisson:rate=0.05,prompt=8192,output=64", "ttft=5000", disaggregated: true);
        var runs = result.Simulated.Where(s => s.Candidate.Kind == PlanKind.Disaggregated && s.HasFigures).ToList();
        Assert.NotEmpty(runs);
        foreach (var run in runs)
        {
            double screened = run.Screened.Estimate!.Value.TtftMs, simulated = run.Report!.TtftMs.P50;
            Assert.True(Math.Abs(screened / simulated - 1) < 0.10, $"{run.Candidate.Describe()}: screen {screened:F1} ms, simulation {simulated:F1} ms");
        }
    }
}
