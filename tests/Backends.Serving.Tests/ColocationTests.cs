using GraphDsl.Backends.Serving.Engine;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>Co-located prefill and decode streams with a compute split (RAPID-Serve).</summary>
public class ColocationTests
{
    private static readonly StepPricer Whole = new(Deployments.Llama70bTp8, Deployments.H100x8, Deployments.Profile);

    /// <summary>A request alone: its TTFT is its prefill on the prefill stream's share, its TPOT the decode step on the rest.
    /// Toward prefill_share 1 the prefill approaches the whole device's (within 0.5% at 0.999) and the decode, left a sliver of
    /// compute, slows; toward 0 the decode approaches the whole device's (memory-bound, within 0.5% at 0.001) and the
    /// prefill stretches as 1 / S.</summary>
    [Fact]
    public void Prefill_share_degenerates_to_either_stream_alone()
    {
        const string workload = "offline:1,prompt=2048,output=64";
        double prefillAlone = Whole.StepSeconds(new[] { new PrefillChunk(2048, 2048) }, 0, 0) * 1e3;
        double decodeAlone = Whole.DecodeSeconds(1, 2048 + 32) * 1e3;
        var nearOne = MultiEngine.Run(MultiEngine.Colocated("colocated{prefill_share=0.999}", workload), workload).Report;
        var nearZero = MultiEngine.Run(MultiEngine.Colocated("colocated{prefill_share=0.001}", workload), workload).Report;
        var half = MultiEngine.Run(MultiEngine.Colocated("colocated{prefill_share=0.5}", workload), workload).Report;
        Assert.InRange(nearOne.TtftMs.P50, prefillAlone, prefillAlone * 1.005);
        Assert.InRange(nearZero.TpotMs.P50, decodeAlone * 0.99, decodeAlone * 1.005);
        Assert.True(nearOne.TpotMs.P50 > 2 * decodeAlone, $"TPOT at share 0.999: {nearOne.TpotMs.P50} ms");
        Assert.True(nearZero.TtftMs.P50 > 100 * prefillAlone, $"TTFT at share 0.001: {nearZero.TtftMs.P50} ms");
        Assert.InRange(half.TtftMs.P50, nearOne.TtftMs.P50, nearZero.TtftMs.P50);
        Assert.InRange(half.TpotMs.P50, nearZero.TpotMs.P50, nearOne.TpotMs.P50);
    }

    /// <summary>Under load the two streams share one cache: every request completes, the cache ends empty, and the decode
    /// stream's TPOT tail stays near its median (prefills never stall it) where continuous batching's does not.</summary>
    [Fact]
    public void Streams_share_one_cache_and_decode_without_stalls()
    {
        const string workload = "poisson:rate=4,prompt=4096,output=256";
        var sim = MultiEngine.Colocated("colocated{prefill_share=0.5}", workload);
        var run = MultiEngine.Run(sim, workload, requests: 600);
        Assert.Equal(600, run.Report.Completed);
        Assert.Equal(0, sim.Kv.UsedBlocks);
        Assert.True(run.Report.TpotMs.P99 < 1.1 * run.Report.TpotMs.P50, $"TPOT p50 {run.Report.TpotMs.P50}, p99 {run.Report.TpotMs.P99}");
        var continuous = Deployments.Serve(workload, "continuous", requests: 600).Report;
        Assert.True(continuous.TpotMs.P99 > 1.2 * continuous.TpotMs.P50);
    }

    /// <summary>A cache too small for the traffic: the decode stream preempts and recomputes on the shared cache, and still every
    /// request completes with all its tokens (no stream waits forever on blocks the other holds).</summary>
    [Fact]
    public void A_full_shared_cache_preempts_and_completes()
    {
        const string workload = "offline:3000,prompt=1024,output=uniform:1024-3072";
        var sim = MultiEngine.Colocated("colocated{prefill_share=0.3,max_batch=2048}", workload);
        var run = MultiEngine.Run(sim, workload).Report;
        Assert.True(run.Preemptions > 0);
        Assert.Equal(3000, run.Completed);
        Assert.Equal(0, sim.Kv.UsedBlocks);
    }
}
