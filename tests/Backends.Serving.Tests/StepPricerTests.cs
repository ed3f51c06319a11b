using System;
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

    /// <summary>One prompt on an 8-replica engine costs what it costs alone on its replica (batch 1 per replica), not an
    /// eighth of it; eight prompts cost one per replica, predict's batch of 8 over dp 8.</summary>
    [Fact]
    public void A_chunk_is_priced_whole_on_its_replica()
    {
        Assert.Equal(Dp8.BatchPrefillSeconds(1, 2048), Pricer.StepSeconds(new[] { new PrefillChunk(2048, 2048) }, 0, 0));
        var eight = new PrefillChunk[8];
        Array.Fill(eight, new PrefillChunk(2048, 2048));
        Assert.Equal(Dp8.BatchPrefillSeconds(1, 2048), Pricer.StepSeconds(eight, 0, 0));
        Array.Resize(ref eight, 9);
        eight[8] = new PrefillChunk(2048, 2048);
        Assert.Equal(Dp8.BatchPrefillSeconds(2, 2048), Pricer.StepSeconds(eight, 0, 0));
        Assert.Equal(Dp8.TpotSeconds(4, 3000), Pricer.DecodeSeconds(32, 32 * 3000.0));
    }
}
