using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Ir.Types;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>Snapshots: a whole small plan, and the EPLB summaries of DeepSeek-V3 and Qwen3-235B (Zipf 1.2, seed 7).</summary>
public class SnapshotTests
{
    private static readonly Device H100 = HardwareCatalog.BuiltIn().Find("h100-sxm")!;

    [Fact]
    public void Small_placement()
    {
        // tiny-moe: 3 MoE layers of 8 experts, top-2; EPLB with 4 redundant experts over 4 GPUs.
        var stats = Fixtures.Zipf("tiny-moe", 1.2, tokens: 1024);
        var facts = MoeExpertFacts.Of(Fixtures.Model("tiny-moe"));
        var memory = new ExpertMemory(facts.BytesPerExpert, facts.GpuBudgetBytes(H100.MemoryBytes, 0.9));
        var plan = ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 4, Redundant = 4, Memory = memory });
        var report = PlacementReport.Build(plan, stats, memory);
        Snapshot.Verify(PlacementJson.Write(report), "json", "json");
        Snapshot.Verify(PlacementTable.Write(report), "table");
    }

    [Theory]
    [InlineData("deepseek-v3", 32, 1, 32)]
    [InlineData("deepseek-v3", 32, 4, 32)]
    [InlineData("qwen3-235b-a22b", 32, 1, 32)]
    public void Eplb_summary(string sample, int gpus, int nodes, int redundant)
    {
        var stats = Fixtures.Zipf(sample, 1.2);
        var facts = MoeExpertFacts.Of(Fixtures.Model(sample), DType.Fp8E4M3);
        var memory = new ExpertMemory(facts.BytesPerExpert, facts.GpuBudgetBytes(H100.MemoryBytes, 0.9));
        var options = new PlacementOptions { Gpus = gpus, Nodes = nodes, Redundant = redundant, ExpertGroups = facts.Groups, Memory = memory };
        var report = PlacementReport.Build(ExpertPlacer.Place("eplb", stats, options), stats, memory);
        var baseline = PlacementMetrics.Loads(ExpertPlacer.Place("round-robin", stats, options with { Redundant = 0 }), stats);
        var summary = JsonNode.Parse(PlacementJson.Write(report))!.AsObject();
        summary.Remove("layers");
        summary["round_robin_max_over_mean"] = System.Math.Round(baseline.MaxOverMean, 4);
        summary["layer_imbalance"] = new JsonArray(report.Loads.Layers.Select(l => (JsonNode)System.Math.Round(l.Imbalance, 4)).ToArray());
        Snapshot.Verify(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), $"{sample}.{gpus}gpus.{nodes}nodes", "json");
    }
}
