using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>Statistics the placer refuses before placing, each with its reason.</summary>
public class StatisticsTests
{
    [Fact]
    public void Negative_loads_are_rejected()
    {
        var s = new RoutingStats("m", 4, 1, new[] { new LayerRouting("l", 4, new long[] { 6, -2, 0, 0 }) });
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", s, new PlacementOptions { Gpus = 2 }));
        Assert.Equal(PlacementProblem.Statistics, e.Problem);
        Assert.Contains("expert 1 has a negative load (-2)", e.Message);
    }

    [Fact]
    public void A_layer_with_the_wrong_number_of_experts_is_rejected()
    {
        var s = new RoutingStats("m", 4, 1, new[] { new LayerRouting("l", 4, new long[] { 1, 1, 1, 1, 0 }) });
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("round-robin", s, new PlacementOptions { Gpus = 2 }));
        Assert.Contains("5 expert counts for 4 experts", e.Message);
    }

    [Fact]
    public void Loads_that_do_not_sum_to_tokens_times_top_k_are_rejected()
    {
        var s = new RoutingStats("m", 4, 2, new[] { new LayerRouting("l", 4, new long[] { 1, 1, 1, 1 }) });
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", s, new PlacementOptions { Gpus = 2 }));
        Assert.Contains("expert loads sum to 4, not tokens x top_k = 8", e.Message);
    }

    /// <summary>Found by fuzzing (docs/robustness.md): the sum of the loads overflowed (an OverflowException, GD0899).
    /// With top_k 1, tokens x top_k (2^62) fits but the two loads sum to 2^63, one past a long.</summary>
    [Fact]
    public void Loads_whose_sum_overflows_64_bits_are_rejected()
    {
        const long Huge = 1L << 62;
        const string Overflow = "layer 0 (l): expert loads sum to more than 2^63, not tokens x top_k = 4611686018427387904";
        var s = new RoutingStats("m", 2, 1, new[] { new LayerRouting("l", Huge, new[] { Huge, Huge }) });
        Assert.Equal(new[]
        {
            "layer 0 (l): 4611686018427387904 tokens is more than the limit of 1099511627776 (2^40)",
            Overflow,
        }, s.Validate(1, 2, 1));
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", s, new PlacementOptions { Gpus = 2 }));
        Assert.Contains(Overflow, e.Message);
    }

    [Fact]
    public void Statistics_for_another_model_are_reported_by_validate()
    {
        var stats = Fixtures.Zipf("mixtral-8x7b", 1.0, tokens: 128);
        var layers = MoeLayers.Of(Fixtures.Model("qwen3-235b-a22b"));
        var problems = stats.Validate(layers.Count, layers[0].Experts, layers[0].TopK);
        Assert.Contains(problems, p => p.Contains("32 MoE layer(s) but the model has 94"));
        Assert.Contains(problems, p => p.Contains("8 experts but the model's MoE layers have 128"));
        Assert.Contains(problems, p => p.Contains("top_k = 2 but the model routes to 8"));
    }

    [Fact]
    public void Groups_that_do_not_divide_the_gpus_are_refused_by_static_placements()
    {
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("round-robin", Fixtures.Zipf(1, 8, 2, 0), new PlacementOptions { Gpus = 3 }));
        Assert.Contains("the 8 experts do not divide evenly over 3 GPUs", e.Message);
        Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", Fixtures.Zipf(1, 8, 2, 0), new PlacementOptions { Gpus = 4, Nodes = 3 }));
    }

    [Fact]
    public void Round_robin_and_contiguous_put_experts_where_the_engines_do()
    {
        var stats = Fixtures.Zipf(1, 8, 2, 0);
        var rr = ExpertPlacer.Place("round-robin", stats, new PlacementOptions { Gpus = 4 });
        var contiguous = ExpertPlacer.Place("contiguous", stats, new PlacementOptions { Gpus = 4 });
        // GPU g: round-robin holds g and g + 4 (vLLM round_robin); contiguous holds 2g and 2g + 1 (vLLM linear, SGLang trivial).
        Assert.Equal(new[] { 0, 4, 1, 5, 2, 6, 3, 7 }, rr.Layers[0].PhysicalToLogical);
        Assert.Equal(Enumerable.Range(0, 8), contiguous.Layers[0].PhysicalToLogical);
    }
}
