using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// The busiest expert-parallel GPU streams the experts its own pairs touch. Mixtral-8x7B (8 experts of 3 x 4096 x 14336
/// bf16 weights, 352,321,536 bytes each, top-2) over 8 H100s: with ep = 8 each GPU holds one whole expert, and at
/// batch 1 two GPUs each stream theirs while the mean GPU streams a quarter of one; with ep = 1 (expert TP) every GPU
/// streams an eighth of the two chosen experts.
/// </summary>
public class MoeBusiestGpuTests
{
    private const double Expert = 3.0 * 4096 * 14336 * 2;

    /// <summary>The first MoE entry's weight and activation bytes at a decode step of <paramref name="batch"/> sequences.</summary>
    private static double MoeBytes(int ep, double batch)
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Models.Sample("mixtral-8x7b"), new Deployment(new ParallelLayout(8, ep, 1)), "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var cluster = new Cluster(Models.Catalog.Find("h100-sxm")!, 1, 8);
        var profile = EfficiencyProfile.Find("default")! with { RoutingSkew = 0 };
        var plan = compiled!.DecodePlan;
        var timings = new OpTiming[plan.Entries.Length];
        new StepEvaluator(plan, cluster, profile).Evaluate(batch, 1, 1024, timings);
        return timings[Array.FindIndex(plan.Entries, e => e.IsMoe)].Bytes;
    }

    [Fact]
    public void At_batch_1_the_busiest_expert_parallel_gpu_streams_a_whole_expert()
    {
        // One expert, plus the router's and the token's activations (under a megabyte); it had been a quarter of one (the mean GPU).
        Assert.InRange(MoeBytes(ep: 8, batch: 1), Expert, Expert + 1e6);
    }

    [Fact]
    public void Expert_tensor_parallelism_streams_its_slices_of_the_chosen_experts_as_before()
    {
        // ep = 1: each GPU holds an eighth of all 8 experts; a token's 2 experts are 2/8 of an expert's bytes.
        Assert.InRange(MoeBytes(ep: 1, batch: 1), Expert / 4, Expert / 4 + 1e6);
    }
}
