using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Validation;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>Serve's validation caps the sequences in flight by the admission the row's profile declares, the same
/// declaration the analytic model sizes its batch by: under no-evict the cache's blocks over one request's full length;
/// on demand no cap (the scheduler preempts instead).</summary>
public class NoEvictLimitTests
{
    [Fact]
    public void A_no_evict_profile_caps_the_batch_at_the_blocks_of_whole_requests_and_an_on_demand_one_does_not()
    {
        const long request = 1000 + 1000; // prompt + output, as PO rows
        var predictor = Deployments.Llama70bTp8;
        var kv = KvCache.For(predictor.Compiled, Deployments.H100x8, Deployments.Profile, request, out var reason);
        Assert.True(kv is not null, reason);
        var spec = new SchedulerSpec(SchedulerKind.Chunked, 1L << 20, null, 8192);

        var noEvict = EngineSchedulers.NoEvictLimit(Deployments.Profile with { Admission = KvAdmission.NoEvict }, spec, kv!, request);
        // 2,000 tokens take 125 blocks of 16.
        Assert.Equal(kv!.TotalBlocks / 125, noEvict!.MaxBatch);
        Assert.Null(EngineSchedulers.NoEvictLimit(Deployments.Profile with { Admission = KvAdmission.OnDemand }, spec, kv, request));
        // A cap above the scheduler's own limit changes nothing.
        Assert.Null(EngineSchedulers.NoEvictLimit(EfficiencyProfile.Find("trtllm")!, spec with { MaxBatch = 1 }, kv, request));
    }
}
