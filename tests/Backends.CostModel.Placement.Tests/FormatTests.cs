using System.Linq;
using System.Text.Json;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>The plan file and the engine expert-location map: contents, and reading them back to the same placement.</summary>
public class FormatTests
{
    private static PlacementPlan EplbPlan(out RoutingStats stats)
    {
        stats = Fixtures.Zipf("deepseek-v3", 1.2);
        return ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Nodes = 4, Redundant = 32, ExpertGroups = 8 });
    }

    [Fact]
    public void The_engine_map_parses_back_to_the_same_placement()
    {
        var plan = EplbPlan(out var stats);
        var text = EngineExpertMap.Write(plan);
        var back = EngineExpertMap.Read(text, 32, 4, 256, 8, plan.Layers.Select(l => l.Name).ToList());
        Assert.True(plan.SamePlacement(back));
        AssertSameExpertPlacement(plan.ToExpertPlacement(), back.ToExpertPlacement());
        Assert.Equal(PlacementMetrics.Loads(plan, stats).MaxOverMean, PlacementMetrics.Loads(back, stats).MaxOverMean);
    }

    [Fact]
    public void The_sglang_map_has_a_row_per_decoder_layer_with_trivial_rows_for_dense_layers()
    {
        var plan = EplbPlan(out _);
        var layout = EngineLayerLayout.Of(Fixtures.Model("deepseek-v3"));
        Assert.Equal(61, layout.DecoderLayers);
        Assert.Equal(Enumerable.Range(3, 58), layout.MoeLayerRows);
        var text = EngineExpertMap.Write(plan, layout);
        using (var doc = JsonDocument.Parse(text))
        {
            var rows = doc.RootElement.GetProperty("physical_to_logical_map");
            Assert.Single(doc.RootElement.EnumerateObject());   // SGLang passes the keys as arguments: nothing else may be there
            Assert.Equal(61, rows.GetArrayLength());
            Assert.All(rows.EnumerateArray(), r => Assert.Equal(288, r.GetArrayLength()));
            Assert.Equal(Enumerable.Range(0, 288).Select(p => p % 256), rows[0].EnumerateArray().Select(x => x.GetInt32()));
        }
        var back = EngineExpertMap.Read(text, 32, 4, 256, 8, plan.Layers.Select(l => l.Name).ToList(), layout);
        Assert.True(plan.SamePlacement(back));
    }

    [Fact]
    public void The_plan_file_parses_back_to_the_same_placement()
    {
        var plan = EplbPlan(out var stats);
        var json = PlacementJson.Write(PlacementReport.Build(plan, stats));
        var back = PlacementJson.Read(json);
        Assert.True(plan.SamePlacement(back));
        Assert.Equal(("eplb", "hierarchical", 4, 8), (back.Strategy, back.Mode, back.Nodes, back.TopK));
        AssertSameExpertPlacement(plan.ToExpertPlacement(), back.ToExpertPlacement());
    }

    [Fact]
    public void The_plan_file_has_loads_per_gpu_per_layer_and_the_summary_at_the_top()
    {
        var plan = EplbPlan(out var stats);
        using var doc = JsonDocument.Parse(PlacementJson.Write(PlacementReport.Build(plan, stats)));
        var root = doc.RootElement;
        Assert.Equal("graphdsl-placement/1", root.GetProperty("schema").GetString());
        var loads = PlacementMetrics.Loads(plan, stats);
        Assert.Equal(System.Math.Round(loads.MaxOverMean, 4), root.GetProperty("max_over_mean").GetDouble());
        var layer = root.GetProperty("layers")[0];
        Assert.Equal(32, layer.GetProperty("gpu_load").GetArrayLength());
        Assert.Equal(256, layer.GetProperty("logical_to_physical").GetArrayLength());
        Assert.True(layer.GetProperty("imbalance").GetDouble() >= 1);
        // Loads sum to the layer's token-expert pairs.
        Assert.Equal(stats.Layers[0].Tokens * 8, layer.GetProperty("gpu_load").EnumerateArray().Sum(x => x.GetDouble()), 0);
    }

    [Theory]
    [InlineData("{\"physical_to_logical_map\": [[0, 1, 2], [0, 1, 2]]}", "do not divide over 2 GPUs")]
    [InlineData("{\"physical_to_logical_map\": [[0, 1, 2, 9], [0, 1, 2, 3]]}", "'9' is not a logical expert in 0..3")]
    [InlineData("{\"physical_to_logical_map\": [[0, 1, 2, 2], [0, 1, 2, 3]]}", "row 0: logical expert 3 has no physical slot")]
    [InlineData("{\"physical_to_logical_map\": [[0, 1, 2, 3]]}", "1 rows, but the model has 2 layer(s)")]
    [InlineData("{\"map\": []}", "expected an object with a \"physical_to_logical_map\" array")]
    public void A_bad_engine_map_is_rejected_with_the_reason(string text, string message)
    {
        var e = Assert.Throws<PlacementException>(() => EngineExpertMap.Read(text, 2, 1, 4, 2, new[] { "a", "b" }));
        Assert.Equal(PlacementProblem.PlanFile, e.Problem);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void An_offload_plan_has_no_engine_map()
    {
        var stats = Fixtures.Zipf(2, 64, 4, 1.0);
        var plan = ExpertPlacer.Place("offload", stats, new PlacementOptions { Gpus = 4, GpuSlots = 8 });
        var e = Assert.Throws<PlacementException>(() => EngineExpertMap.Write(plan));
        Assert.Contains("keeps experts in host memory", e.Message);
        // The plan file carries it (host experts have no slot) and reads back.
        Assert.True(plan.SamePlacement(PlacementJson.Read(PlacementJson.Write(PlacementReport.Build(plan, stats)))));
    }

    private static void AssertSameExpertPlacement(ExpertPlacement a, ExpertPlacement b)
    {
        Assert.Equal(a.Slots.Count, b.Slots.Count);
        for (int l = 0; l < a.Slots.Count; l++)
            for (int g = 0; g < a.Slots[l].Count; g++) Assert.Equal(a.Slots[l][g], b.Slots[l][g]);
    }

    private const string PlanHead = "{\"schema\": \"graphdsl-placement/1\", \"experts\": 1, \"top_k\": 1, \"nodes\": 1, ";

    /// <summary>Found by fuzzing (docs/robustness.md): each was an exception from JsonElement, or an allocation of
    /// gpus x slots_per_gpu entries that overflowed or ran out of memory, i.e. GD0899.</summary>
    [Theory]
    [InlineData("{\"schema\": 1}", "plan: expected \"schema\": \"graphdsl-placement/1\"")]
    [InlineData(PlanHead + "\"gpus\": 1, \"slots_per_gpu\": 1, \"layers\": [1]}", "plan: layers[0]: expected an object with a \"logical_to_physical\" array")]
    [InlineData(PlanHead + "\"gpus\": 65536, \"slots_per_gpu\": 65536, \"layers\": [{\"logical_to_physical\": [[0]]}]}",
        "plan: layers[0]: gpus x slots_per_gpu = 4294967296 physical slots, but the layer places 1 replica(s); every slot must hold an expert")]
    [InlineData(PlanHead + "\"gpus\": 2000000000, \"slots_per_gpu\": 1, \"layers\": [{\"logical_to_physical\": [[0]]}]}",
        "plan: layers[0]: gpus x slots_per_gpu = 2000000000 physical slots, but the layer places 1 replica(s); every slot must hold an expert")]
    [InlineData(PlanHead + "\"gpus\": 1, \"slots_per_gpu\": 1, \"layers\": [{\"name\": \"\\udc00\", \"logical_to_physical\": [[0]]}]}",
        "plan: layers[0].name: a string that is not valid Unicode (invalid UTF-8, or an unpaired surrogate escape such as \\ud800)")]
    public void A_malformed_plan_file_is_a_plan_file_error(string json, string message)
    {
        var e = Assert.Throws<PlacementException>(() => PlacementJson.Read(json));
        Assert.Equal(PlacementProblem.PlanFile, e.Problem);
        Assert.Equal(message, e.Message);
    }
}
