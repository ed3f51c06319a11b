using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Engine;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>How an engine step is priced from the cost model's step evaluator.</summary>
public class StepPricerTests
{
    private static readonly StepPricer Pricer = new(Deployments.Llama70bTp8, Deployments.H100x8, Deployments.Profile);
    private static Predictor P => Deployments.Llama70bTp8;

    /// <summary>Decode-only and whole-prompt prefill steps are predict's own calls, to the last bit.</summary>
    [Fact]
    public void Pure_steps_are_predicts()
    {
        Assert.Equal(P.TpotSeconds(32, 2048), Pricer.DecodeSeconds(32, 32 * 2048.0));
        Assert.Equal(P.BatchPrefillSeconds(4, 1024), Pricer.StepSeconds(new[] { new PrefillChunk(1024, 1024), new PrefillChunk(1024, 1024), new PrefillChunk(1024, 1024), new PrefillChunk(1024, 1024) }, 0, 0));
    }

    /// <summary>Two prompts of different lengths in one step are one pass: dearer than the longer alone, cheaper than the
    /// two as separate steps (the weights are read, the collectives' latency and the kernels' launches paid, once).</summary>
    [Fact]
    public void Mixed_prompts_are_one_pass()
    {
        double a = Pricer.StepSeconds(new[] { new PrefillChunk(512, 512) }, 0, 0);
        double b = Pricer.StepSeconds(new[] { new PrefillChunk(2048, 2048) }, 0, 0);
        double both = Pricer.StepSeconds(new[] { new PrefillChunk(512, 512), new PrefillChunk(2048, 2048) }, 0, 0);
        Assert.InRange(both, b, a + b);
        Assert.True(both < a + b - 0.5 * Math.Min(a, b), $"{both * 1e3} ms against {a * 1e3} + {b * 1e3}");
    }

    /// <summary>A chunk with decodes costs more than either alone and less than both as separate steps; a later chunk of a
    /// prompt attends over its cached prefix, so it costs more than the first chunk of the same size.</summary>
    [Fact]
    public void Chunks_with_decodes_and_a_cached_prefix()
    {
        double decode = Pricer.DecodeSeconds(30, 30 * 3000.0);
        double chunk = Pricer.StepSeconds(new[] { new PrefillChunk(512, 512) }, 0, 0);
        double mixed = Pricer.StepSeconds(new[] { new PrefillChunk(512, 512) }, 30, 30 * 3000.0);
        Assert.InRange(mixed, Math.Max(decode, chunk), decode + chunk);
        double later = Pricer.StepSeconds(new[] { new PrefillChunk(512, 8192) }, 0, 0);
        // The first chunk pays the prefill overhead (ttft_overhead_us) the later one does not; compare without it.
        double overheads = Deployments.Profile.PrefillSeconds - Deployments.Profile.StepSeconds;
        Assert.True(later > chunk - overheads, $"{later * 1e3} ms at 8k against {(chunk - overheads) * 1e3} at 512");
    }
}

/// <summary>Attention data parallelism: a prompt's chunk lives on one replica, decodes spread over all of them.</summary>
public class DataParallelPricingTests
{
    private static readonly Predictor Dp8 = Deployments.Predictor("deepseek-v3", new Deployment(new ParallelLayout(1, 8, 8, 1) { MoeComm = MoeCommunication.AllToAll }, "fp8"));
    private static readonly StepPricer Pricer = new(Dp8, Deployments.H100x8, Deployments.Profile);

    /// <summary>Eight prompts on an 8-replica engine cost one per replica, predict's batch of 8 over dp 8. One prompt costs
    /// less: its replica's attention and dense layers are the same, but the MoE layers (and the all-to-alls) carry one
    /// prompt's tokens, not eight. Nine cost more than eight (the busiest replica holds two) and less than sixteen.</summary>
    [Fact]
    public void A_chunk_is_priced_whole_on_its_replica()
    {
        var eight = new PrefillChunk[8];
        Array.Fill(eight, new PrefillChunk(2048, 2048));
        Assert.Equal(Dp8.BatchPrefillSeconds(1, 2048), Pricer.StepSeconds(eight, 0, 0));
        double one = Pricer.StepSeconds(new[] { new PrefillChunk(2048, 2048) }, 0, 0);
        Assert.True(one < Dp8.BatchPrefillSeconds(1, 2048), $"one prompt {one * 1e3} ms against eight {Dp8.BatchPrefillSeconds(1, 2048) * 1e3} ms");
        Array.Resize(ref eight, 9);
        eight[8] = new PrefillChunk(2048, 2048);
        Assert.InRange(Pricer.StepSeconds(eight, 0, 0), Dp8.BatchPrefillSeconds(1, 2048), Dp8.BatchPrefillSeconds(2, 2048));
        Assert.Equal(Dp8.TpotSeconds(4, 3000), Pricer.DecodeSeconds(32, 32 * 3000.0));
    }
}

/// <summary>
/// Replicas that carry different work (TensorRT-LLM's attention DP: each rank schedules its own requests, and all of them
/// meet at every MoE layer's all-gather): the step is the busiest replica's attention and dense layers, and the MoE layer
/// once over the union of every replica's tokens. Counted by hand on the tiny MoE model at dp 2.
/// </summary>
public class ReplicaUnionPricingTests
{
    private const long T = 512;
    private static readonly Predictor Dp2 = Deployments.Predictor("tiny-moe", new Deployment(new ParallelLayout(1, 1, 2, 1) { MoeComm = MoeCommunication.AllGather }));
    private static readonly StepPricer Pricer = new(Dp2, Deployments.H100x8, Deployments.Profile);

    /// <summary>What spans the replicas: the gathers of their rows (hidden state, routing weights and indices), the experts
    /// over the gathered rows, and the reduce-scatter returning each replica its rows.</summary>
    [Fact]
    public void The_ops_across_replicas_are_the_gathers_the_experts_and_the_return()
    {
        var across = Dp2.Compiled.PrefillPlan.Entries.Where(StepPricer.SpansReplicas).Select(e => e.Op).Distinct().Order();
        Assert.Equal(new[] { "comm.all_gather", "comm.reduce_scatter", "moe.experts" }, across);
    }

    /// <summary>Two replicas, one prompt of T tokens on one of them, nothing on the other. Replica-local ops: as predict's
    /// step with a prompt on each replica (batch 1 per replica). Ops across the replicas: as predict's step over T tokens in
    /// all (batch 1/2 per replica). Before, the lone prompt cost exactly as much as two (the MoE over 2T tokens).</summary>
    [Fact]
    public void One_prompt_pays_the_busiest_replica_and_one_moe_over_the_union()
    {
        var plan = Dp2.Compiled.PrefillPlan;
        Assert.False(plan.HasAsync);
        var evaluator = new StepEvaluator(plan, Deployments.H100x8, Deployments.Profile) { Routing = Dp2.Routing };
        var promptPerReplica = new OpTiming[plan.Entries.Length];
        var promptInAll = new OpTiming[plan.Entries.Length];
        evaluator.Evaluate(1, T, T, promptPerReplica);
        evaluator.Evaluate(0.5, T, T, promptInAll);
        double expected = Deployments.Profile.PrefillSeconds, moeSaved = 0;
        for (int i = 0; i < plan.Entries.Length; i++)
        {
            var e = plan.Entries[i];
            bool across = e.IsMoe || e.CommAxis == "dp";
            expected += (across ? promptInAll[i] : promptPerReplica[i]).Seconds * e.Multiplicity;
            if (across) moeSaved += (promptPerReplica[i].Seconds - promptInAll[i].Seconds) * e.Multiplicity;
        }
        double one = Pricer.StepSeconds(new[] { new PrefillChunk(T, T) }, 0, 0);
        double two = Pricer.StepSeconds(new[] { new PrefillChunk(T, T), new PrefillChunk(T, T) }, 0, 0);
        Assert.Equal(Dp2.BatchPrefillSeconds(1, T), two);
        Assert.True(moeSaved > 0);
        Assert.Equal(expected, one, 1e-12);
        Assert.Equal(two - moeSaved, one, 1e-9);
    }
}
