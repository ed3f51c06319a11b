using System.Linq;
using Xunit.Abstractions;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>Affinity placement: fewer token transitions leave the GPU (and node) than with round-robin, slots stay balanced.</summary>
public class AffinityTests
{
    private readonly ITestOutputHelper _out;
    public AffinityTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public void Affinity_keeps_more_transitions_on_the_gpu_than_round_robin_when_layers_co_activate()
    {
        // 6 layers, 64 experts, top-2; 90% of picks follow a fixed expert path to the next layer; 8 GPUs in 2 nodes.
        var stats = Fixtures.Affine(6, 64, 2, 0.9);
        var o = new PlacementOptions { Gpus = 8, Nodes = 2 };
        var affinity = PlacementReport.Build(ExpertPlacer.Place("affinity", stats, o), stats);
        var rr = TransitionMetrics.Of(ExpertPlacer.Place("round-robin", stats, o), stats)!;
        var after = affinity.Transitions!;
        _out.WriteLine($"cross-GPU {rr.CrossGpu:0.000} -> {after.CrossGpu:0.000}; cross-node {rr.CrossNode:0.000} -> {after.CrossNode:0.000}; " +
                       $"max/mean {affinity.Loads.MaxOverMean:0.000}");
        Assert.Equal(rr.CrossGpu, affinity.BaselineTransitions!.CrossGpu, 12);
        Assert.InRange(rr.CrossGpu, 0.8, 0.95);                  // ~ 1 - 1/8 for unrelated placement
        Assert.True(after.CrossGpu < 0.7 * rr.CrossGpu, $"affinity {after.CrossGpu} vs round-robin {rr.CrossGpu}");
        Assert.True(after.CrossNode < rr.CrossNode);
        Assert.True(affinity.Loads.MaxOverMean <= 1.25, $"affinity max/mean {affinity.Loads.MaxOverMean}");
        foreach (var layer in affinity.Plan.Layers) Assert.All(layer.ReplicaCounts(64), c => Assert.Equal(1, c));
    }

    [Fact]
    public void Without_co_activation_statistics_affinity_is_refused()
    {
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("affinity", Fixtures.Zipf(3, 64, 2, 1.0), new PlacementOptions { Gpus = 8 }));
        Assert.Equal(PlacementProblem.Statistics, e.Problem);
        Assert.Contains("co-activation", e.Message);
    }

    [Fact]
    public void On_unrelated_layers_affinity_is_no_worse_than_round_robin_and_respects_the_load_cap()
    {
        var stats = Fixtures.Affine(4, 64, 2, 0.0);
        var o = new PlacementOptions { Gpus = 8 };
        var after = TransitionMetrics.Of(ExpertPlacer.Place("affinity", stats, o), stats)!;
        var rr = TransitionMetrics.Of(ExpertPlacer.Place("round-robin", stats, o), stats)!;
        Assert.True(after.CrossGpu <= rr.CrossGpu + 0.01);
    }

    [Fact]
    public void Affinity_is_deterministic()
    {
        var stats = Fixtures.Affine(4, 32, 2, 0.8);
        var o = new PlacementOptions { Gpus = 4 };
        Assert.True(ExpertPlacer.Place("affinity", stats, o).SamePlacement(ExpertPlacer.Place("affinity", stats, o)));
    }
}
