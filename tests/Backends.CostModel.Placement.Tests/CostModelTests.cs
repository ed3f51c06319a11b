using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using Xunit.Abstractions;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>A plan feeds the step evaluator through <see cref="PlacementPlan.ToExpertPlacement"/>: balanced placement, faster steps.</summary>
public class CostModelTests
{
    private readonly ITestOutputHelper _out;
    public CostModelTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public void An_eplb_plan_predicts_a_faster_decode_step_than_round_robin_under_skewed_routing()
    {
        var diagnostics = new DiagnosticBag();
        var deployment = new Deployment(new ParallelLayout(1, 32, 32), Weights: "fp8");
        var compiled = CompiledDeployment.Compile(Fixtures.Model("deepseek-v3"), deployment, "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var predictor = new Predictor(compiled!, new Cluster(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 4, 8), EfficiencyProfile.Find("default")!);
        var stats = Fixtures.Zipf("deepseek-v3", 1.2);

        double Tpot(string strategy, int redundant)
        {
            var plan = ExpertPlacer.Place(strategy, stats, new PlacementOptions { Gpus = 32, Redundant = redundant });
            Assert.Empty(predictor.UseRouting(stats, plan.ToExpertPlacement()));
            return predictor.TpotSeconds(256, 4096);
        }

        double rr = Tpot("round-robin", 0), eplb = Tpot("eplb", 32);
        _out.WriteLine($"TPOT at 256 sequences per replica: round-robin {rr * 1e3:0.00} ms, eplb {eplb * 1e3:0.00} ms");
        Assert.True(eplb < rr);
    }

    /// <summary>Mixtral-8x7B over 8 H100s with one expert a GPU (ep=8), batch 1: the two GPUs its token reaches each stream
    /// a whole expert, with routing statistics or without. A uniform statistics file had priced the busiest GPU streaming a
    /// quarter of one (each GPU's expected experts touched), about 2.5 ms a step faster than the same routing without it.</summary>
    [Fact]
    public void Uniform_routing_statistics_price_batch_1_as_the_expected_routing_does()
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Fixtures.Model("mixtral-8x7b"), new Deployment(new ParallelLayout(8, 8, 1), Weights: "fp8"), "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var cluster = new Cluster(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 1, 8);
        var profile = EfficiencyProfile.Find("default")! with { RoutingSkew = 0 };
        double expected = new Predictor(compiled!, cluster, profile).TpotSeconds(1, 4096);
        var routed = new Predictor(compiled!, cluster, profile);
        Assert.Empty(routed.UseRouting(Fixtures.Zipf("mixtral-8x7b", 0)));
        double withStats = routed.TpotSeconds(1, 4096);
        _out.WriteLine($"TPOT at batch 1: {expected * 1e3:0.000} ms expected routing, {withStats * 1e3:0.000} ms uniform statistics");
        Assert.InRange(withStats / expected, 0.97, 1.03);
    }

    /// <summary>
    /// predict --routing on a layout with redundant expert slots priced each GPU's load with the contiguous placement,
    /// which leaves the replicas out: the hot expert's GPU carried all of its tokens. Now the replicas are EPLB's and
    /// share them. TinyMoe has 8 experts, top-2; here over ep=2 with 2 redundant slots (5 a GPU). Expert 0 takes 3,000 of
    /// the 10,000 picks and every other 1,000: EPLB gives expert 0 three copies of 1,000, so each of the 10 slots carries
    /// 1,000 picks and each GPU half of them. Contiguously, experts 0-3 (6,000 picks) sat on GPU 0.
    /// </summary>
    [Fact]
    public void Routing_statistics_split_a_replicated_experts_tokens_over_its_copies()
    {
        var module = Fixtures.Model("tiny-moe");
        var stats = new RoutingStats(module.Name, 8, 2, MoeLayers.Of(module)
            .Select(l => new LayerRouting(l.Name, 5000, new long[] { 3000, 1000, 1000, 1000, 1000, 1000, 1000, 1000 })).ToList());
        Predictor Predictor(int redundant, out Module compiled)
        {
            var diagnostics = new DiagnosticBag();
            var c = CompiledDeployment.Compile(module, new Deployment(new ParallelLayout(2, 2, 1, 1) { Redundant = redundant }), "", diagnostics);
            Assert.True(c is not null, string.Join("\n", diagnostics.Items));
            compiled = c!.Module;
            return new Predictor(c, new Cluster(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 1, 2), EfficiencyProfile.Find("default")!);
        }

        var replicated = Predictor(2, out var withSlots);
        // The contiguous placement cannot stand for redundant slots: the cost model asks for theirs.
        Assert.Equal(new[] { "the layout's 2 redundant expert slots need a placement of their replicas (place-experts, or graphdsl place)" },
            replicated.UseRouting(stats));
        Assert.Empty(replicated.UseRouting(stats, RoutedLayoutPlacement.For(stats, withSlots)));
        // 1,000 tokens pick 2,000 experts: each GPU serves 5 slots x 1,000 / 5,000 of the tokens = 1,000 pairs.
        for (int layer = 0; layer < stats.Layers.Count; layer++)
        {
            var (busiest, _, mean) = replicated.Routing!.Busiest(layer, 1000);
            Assert.Equal(1000, busiest, 9);
            Assert.Equal(1000, mean, 9);
        }

        var single = Predictor(0, out var withoutSlots);
        Assert.Null(RoutedLayoutPlacement.For(stats, withoutSlots));
        Assert.Empty(single.UseRouting(stats));
        // GPU 0 holds experts 0-3: (3,000 + 3 x 1,000) / 5,000 x 1,000 tokens = 1,200 pairs; GPU 1 800.
        var (contiguous, _, contiguousMean) = single.Routing!.Busiest(0, 1000);
        Assert.Equal(1200, contiguous, 9);
        Assert.Equal(1000, contiguousMean, 9);
    }
}
