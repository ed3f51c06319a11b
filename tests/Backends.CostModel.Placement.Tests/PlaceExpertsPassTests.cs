using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>The place-experts pass: the placement lands in the IR, survives printing and parsing, and the
/// cost model reads it back (busiest GPU, replica memory, all-to-all set by the busiest receiver).</summary>
public sealed class PlaceExpertsPassTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("place-pass").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    // The host registers the passes placement brings, as the CLI does at start-up.
    public PlaceExpertsPassTests() => PlacementPasses.Register();

    private string Stats(RoutingStats stats)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, stats.ToJson());
        return path;
    }

    private static PipelineRun Run(Module m, string pipeline)
    {
        var diagnostics = new DiagnosticBag();
        var p = Pipeline.Parse(pipeline, diagnostics);
        Assert.True(p is not null, string.Join("\n", diagnostics.Items));
        return new PassManager(p!, new PassManagerOptions { VerifyEach = true }).Run(m);
    }

    /// <summary>Long lists printed in full would drown the snapshot: keep their first values and length.</summary>
    private static string Abbreviate(string ir) =>
        Regex.Replace(ir, @"(placement|expert_tokens) = \[([^\]]*)\]", m =>
        {
            var items = m.Groups[2].Value.Split(", ");
            return items.Length <= 12 ? m.Value : $"{m.Groups[1].Value} = [{string.Join(", ", items.Take(12))}, ... ({items.Length} values)]";
        });

    [Fact]
    public void Tiny_moe_eplb_placement_is_recorded_on_the_expert_ops()
    {
        var stats = Stats(Fixtures.Zipf("tiny-moe", 1.2, tokens: 512));
        var r = Run(Fixtures.Model("tiny-moe"), $"inline,canonicalize,parallelize{{dp=2,ep=2}},place-experts{{stats={stats},strategy=eplb,redundant=2}}");
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        var printed = IrPrinter.Print(r.Module!);
        Snapshot.Verify(printed.Replace(stats, "STATS"), "tiny_moe_eplb");
        // The placement survives the textual IR and reads back the same.
        var reparsed = IrParser.Parse(printed);
        Assert.Empty(Verifier.Verify(reparsed));
        var (model, problem) = IrRouting.Read(reparsed);
        Assert.Null(problem);
        Assert.Equal(3, model!.Stats.Layers.Count);
        Assert.All(model.Placement.Slots, layer => Assert.All(layer, gpu => Assert.Equal(5, gpu.Count))); // (8 + 2) / 2 slots
        // Every logical expert has a replica in every layer.
        Assert.All(model.Placement.Slots, layer => Assert.Equal(Enumerable.Range(0, 8), layer.SelectMany(g => g.Select(s => s.Expert)).Distinct().OrderBy(e => e)));
    }

    [Theory]
    [InlineData("deepseek-v3", 16, 16)]
    [InlineData("qwen3-235b-a22b", 8, 8)]
    public void Large_models_with_expert_parallelism(string sample, int dp, int ep)
    {
        var stats = Stats(Fixtures.Zipf(sample, 1.2, tokens: 4096));
        var r = Run(Fixtures.Model(sample), $"inline,canonicalize,parallelize{{dp={dp},ep={ep}}},fuse,place-experts{{stats={stats},strategy=eplb,redundant={ep}}}");
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        var printed = IrPrinter.Print(r.Module!);
        var experts = string.Join("\n", printed.Split('\n').Where(l => l.Contains("moe.experts")).Select(l => Abbreviate(l.Trim())));
        Snapshot.Verify(experts, $"{sample}_ep{ep}");
    }

    [Fact]
    public void Eplb_beats_round_robin_for_deepseek_v3_under_zipf_and_pays_for_its_replicas()
    {
        var stats = Stats(Fixtures.Zipf("deepseek-v3", 1.2, tokens: 8192));
        var cluster = new Cluster(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 2, 8);
        Prediction Predict(string strategy, int redundant)
        {
            var diagnostics = new DiagnosticBag();
            var compiled = CompiledDeployment.Compile(Fixtures.Model("deepseek-v3"), new Deployment(new ParallelLayout(1, 16, 16, 1), "fp8", "fp8"),
                $"place-experts{{stats={stats},strategy={strategy},redundant={redundant}}}", diagnostics);
            Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
            return new Predictor(compiled!, cluster, EfficiencyProfile.Find("default")!).Predict(new Workload(2048, 1024, 2048), details: false);
        }
        var rr = Predict("round-robin", 0);
        var eplb = Predict("eplb", 16);
        Assert.True(eplb.Decode.Milliseconds < 0.9 * rr.Decode.Milliseconds, $"eplb {eplb.Decode.Milliseconds} ms vs round-robin {rr.Decode.Milliseconds} ms");
        // 16 replicas over 16 GPUs: one more expert slot per GPU in each of the 58 MoE layers.
        double expertBytes = 3.0 * 7168 * 2048; // w_gate, w_up, w_down in fp8 (1 byte)
        Assert.Equal(58 * expertBytes, eplb.Memory.WeightBytes - rr.Memory.WeightBytes, 58 * expertBytes * 0.02);
    }

    [Theory]
    [InlineData("", "needs stats=FILE")]
    [InlineData("stats=/nonexistent/stats.json", "stats:")]
    public void Bad_options_are_reported(string options, string message)
    {
        var r = Run(Fixtures.Model("tiny-moe"), "inline,canonicalize,parallelize{ep=2,dp=2},place-experts" + (options.Length > 0 ? "{" + options + "}" : ""));
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics, d => d.Id == "GD0505" && d.Message.Contains(message));
    }

    [Fact]
    public void Statistics_for_another_layer_count_are_reported()
    {
        var full = Fixtures.Zipf("mixtral-8x7b", 1.0, tokens: 256);
        var stats = Stats(new RoutingStats(full.Model, full.Experts, full.TopK, full.Layers.Take(30).ToList()));
        var r = Run(Fixtures.Model("mixtral-8x7b"), $"inline,canonicalize,parallelize{{tp=4,ep=4}},place-experts{{stats={stats}}}");
        Assert.Contains(r.Diagnostics, d => d.Id == "GD0505" && d.Message.Contains("the statistics have 30 MoE layer(s) but the model has 32"));
    }

    [Fact]
    public void A_statistics_file_of_the_wrong_shape_is_reported_with_the_place()
    {
        var path = Path.Combine(_dir, "bad-shape.json");
        File.WriteAllText(path, "{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"tokens\": \"many\", \"expert_tokens\": [1, 1]}]}");
        var r = Run(Fixtures.Model("tiny-moe"), $"inline,canonicalize,parallelize{{ep=2,dp=2}},place-experts{{stats={path}}}");
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics, d => d.Id == "GD0505" && d.Message.Contains("layers[0]: 'tokens' must be an integer"));
    }
}
