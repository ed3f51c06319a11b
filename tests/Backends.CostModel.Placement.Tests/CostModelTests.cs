using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;
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
}
