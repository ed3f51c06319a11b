using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Cli.Tests;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary><c>graphdsl place</c>: outputs, files, and the diagnostics for bad statistics and impossible plans.</summary>
[Collection(nameof(CliCollection))]
public sealed class PlaceCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "graphdsl-place-" + Guid.NewGuid().ToString("N"));

    public PlaceCommandTests() { Directory.CreateDirectory(_dir); }
    public void Dispose() { Directory.Delete(_dir, recursive: true); }

    private string StatsFile(RoutingStats stats, string name = "stats.json")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, stats.ToJson());
        return path;
    }

    [Fact]
    public void Json_output_has_the_summary_at_the_top_and_per_layer_loads()
    {
        var stats = StatsFile(Fixtures.Zipf("mixtral-8x7b", 1.2, tokens: 2048));
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", stats, "--strategy", "eplb", "--redundant", "4", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("max_over_mean").GetDouble() >= 1);
        Assert.Equal(32, root.GetProperty("layers").GetArrayLength());
        Assert.All(root.GetProperty("layers").EnumerateArray(), l =>
        {
            Assert.Equal(4, l.GetProperty("gpu_load").GetArrayLength());
            Assert.True(l.GetProperty("imbalance").GetDouble() >= 1);
        });
    }

    [Fact]
    public void Plan_and_engine_map_files_are_written_and_read_back()
    {
        var stats = StatsFile(Fixtures.Zipf("deepseek-v3", 1.2, tokens: 1024));
        string plan = Path.Combine(_dir, "plan.json"), map = Path.Combine(_dir, "map.json");
        var r = CliRunner.Run("place", "samples/deepseek-v3.moe", "--gpus", "32", "--nodes", "4", "--stats", stats, "--strategy", "eplb{redundant=32}",
            "--weights", "fp8", "-o", plan, "--engine-map", map);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("eplb (hierarchical) over 32 GPU(s) in 4 node(s)", r.Out);   // the table still goes to standard output
        var read = PlacementJson.ReadFile(plan);
        var layout = EngineLayerLayout.Of(Fixtures.Model("deepseek-v3"));
        var fromMap = EngineExpertMap.Read(File.ReadAllText(map), 32, 4, 256, 8, read.Layers.Select(l => l.Name).ToList(), layout);
        Assert.True(read.SamePlacement(fromMap));
        Assert.Equal(288, read.PhysicalExperts);
    }

    [Fact]
    public void Offload_reports_the_predicted_miss_traffic()
    {
        var stats = StatsFile(Fixtures.Zipf("qwen3-235b-a22b", 1.2, tokens: 1024));
        var r = CliRunner.Run("place", "samples/qwen3-235b-a22b.moe", "--gpus", "1", "--hardware", "h100-sxm", "--stats", stats, "--strategy", "offload{gpu_slots=16}", "--tokens", "16",
            "--cpu-tflops", "0", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var offload = doc.RootElement.GetProperty("offload");
        Assert.True(offload.GetProperty("fetch_bytes_per_step").GetDouble() > 0);   // no CPU: every miss is a fetch
        Assert.Equal(16, offload.GetProperty("tokens_per_step").GetInt32());
    }

    /// <summary>16,777,216 GPUs with a slot each ran for over a minute, its slot map growing, before it was stopped; the
    /// group is bounded as every count of a device is (65,536), before the statistics are read.</summary>
    [Fact]
    public void More_gpus_than_any_group_is_a_usage_error()
    {
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "16777216", "--redundant", "16777208", "--stats", Path.Combine(_dir, "none.json"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("graphdsl: error GD0802: --gpus 16777216 is more than 65536, the most GPUs an expert-parallel group is placed over", r.Err.Trim());
    }

    [Fact]
    public void A_statistics_file_with_the_wrong_layer_count_is_rejected()
    {
        var full = Fixtures.Zipf("mixtral-8x7b", 1.0, tokens: 256);
        var stats = StatsFile(new RoutingStats(full.Model, full.Experts, full.TopK, full.Layers.Take(30).ToList()));
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", stats);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("graphdsl: error GD0607:", r.Err);
        Assert.Contains("the statistics have 30 MoE layer(s) but the model has 32", r.Err);
    }

    [Fact]
    public void A_statistics_file_with_negative_loads_is_rejected()
    {
        var node = JsonNode.Parse(Fixtures.Zipf("mixtral-8x7b", 1.0, tokens: 256).ToJson())!;
        node["layers"]![2]!["expert_tokens"]![5] = -3;
        var path = Path.Combine(_dir, "negative.json");
        File.WriteAllText(path, node.ToJsonString());
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0607:", r.Err);
        Assert.Contains("expert 5 has a negative load (-3)", r.Err);
    }

    [Fact]
    public void A_statistics_file_for_another_expert_count_is_rejected()
    {
        // 64-expert statistics for Mixtral's 8 experts: every layer names experts the model does not have.
        var model = Fixtures.Model("mixtral-8x7b");
        var stats = StatsFile(SyntheticRouting.Generate(model.Name, MoeLayers.Of(model).Select(l => l.Name).ToList(), 64, 2, 1.0, 256, 1));
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", stats);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the statistics are for 64 experts but the model's MoE layers have 8", r.Err);
    }

    /// <summary>Statistics written for another model, or in another version of the schema, were applied as this model's:
    /// Mixtral-8x22B's read as Mixtral-8x7B's wherever the shapes agreed (both have 8 experts, top-2), and a file of
    /// "graphdsl-routing/2" as version 1. place, predict --routing and the place-experts pass refuse them, naming the
    /// file, its model and the model given, or the schema version they read.</summary>
    [Theory]
    [InlineData("place")]
    [InlineData("predict")]
    [InlineData("compile")]
    public void Statistics_of_another_model_or_schema_version_are_refused(string command)
    {
        var mine = Fixtures.Zipf("mixtral-8x7b", 1.0, tokens: 256);
        string[] Args(string path) => command switch
        {
            "place" => ["place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", path],
            "predict" => ["predict", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--routing", path],
            _ => ["compile", "samples/mixtral-8x7b.moe", "--passes", $"inline,canonicalize,parallelize{{tp=4,ep=4}},place-experts{{stats={path}}}"],
        };
        string where = command switch { "place" => "--stats {0}: ", "predict" => "--routing {0}: ", _ => "pass 'place-experts' failed: stats {0}: " };

        var other = StatsFile(new RoutingStats("Mixtral_8x22B", mine.Experts, mine.TopK, mine.Layers), "other-model.json");
        var r = CliRunner.Run(Args(other));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(string.Format(where, other) + "the statistics are for the model 'Mixtral_8x22B', but the model given is 'Mixtral_8x7B'; make them for it with graphdsl route-stats", r.Err);

        var node = JsonNode.Parse(mine.ToJson())!;
        node["schema"] = "graphdsl-routing/2";
        var version2 = Path.Combine(_dir, "version-2.json");
        File.WriteAllText(version2, node.ToJsonString());
        r = CliRunner.Run(Args(version2));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{version2}: \"schema\" is the string \"graphdsl-routing/2\", but this graphdsl reads routing statistics of \"graphdsl-routing/1\"; write the file again with graphdsl route-stats", r.Err);
        // The same file with this model's name and schema is read.
        node["schema"] = RoutingStats.Schema;
        File.WriteAllText(version2, node.ToJsonString());
        r = CliRunner.Run(Args(version2));
        Assert.True(r.ExitCode == 0, r.Err);
    }

    [Theory]
    [InlineData("{\"experts\": 8, \"top_k\": 2}", "expected a \"layers\" array")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"tokens\": 4, \"expert_tokens\": [1, \"x\"]}]}", "expert_tokens must hold integers")]
    [InlineData("[1, 2]", "expected a JSON object with \"experts\", \"top_k\" and \"layers\", found an array")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [7]}", "layers[0]: expected an object, found the number 7")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"tokens\": \"4\", \"expert_tokens\": [1, 1]}]}", "layers[0]: 'tokens' must be an integer")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"name\": 5, \"tokens\": 4, \"expert_tokens\": [1, 1]}]}", "layers[0]: 'name' must be a string, found the number 5")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"tokens\": 4, \"expert_tokens\": [1, 1], \"coactivation\": [1, 2]}]}", "layers[0].coactivation[0] must be an array of rows of numbers, found the number 1")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"tokens\": 4, \"expert_tokens\": [1, 1], \"coactivation\": [[0.5, \"a\"]]}]}", "layers[0].coactivation[0] must be an array of rows of numbers, found the string \"a\"")]
    [InlineData("{\"experts\": \"8\", \"top_k\": 2, \"layers\": []}", "'experts' must be an integer")]
    // found by fuzzing (docs/robustness.md): was GD0899
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"name\": \"\\ud800\", \"tokens\": 4, \"expert_tokens\": [1, 1]}]}", "layers[0].name: a string that is not valid Unicode (invalid UTF-8, or an unpaired surrogate escape such as \\ud800)")]
    public void A_malformed_statistics_file_is_rejected(string text, string message)
    {
        var path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, text);
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0607: --stats:", r.Err);
        Assert.Contains(message, r.Err);
    }

    /// <summary>A statistics file's names reach the terminal in the diagnostics: a model, layer or schema holding ESC
    /// retitled or cleared the terminal of whoever read that the statistics were for another model, and a property given
    /// twice was read as its last ("model": "Mixtral_8x22B" first, "Mixtral_8x7B" at the end, applied to Mixtral-8x7B).
    /// Each is refused, the text shown escaped.</summary>
    [Theory]
    [InlineData("{\"model\": \"Mixtral_8x22B\", \"experts\": 8, \"top_k\": 2, \"layers\": [], \"model\": \"Mixtral_8x7B\"}",
        "the property \"model\" is given twice; give it once")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"tokens\": 4, \"tokens\": 8, \"expert_tokens\": [1, 1]}]}",
        "layers[0]: the property \"tokens\" is given twice; give it once")]
    [InlineData("{\"\\u001b]0;x\\u0007\": 1, \"\\u001b]0;x\\u0007\": 2}",
        "the property \"\\u001B]0;x\\u0007\" is given twice; give it once")]
    [InlineData("{\"model\": \"\\u001b]0;x\\u0007\", \"experts\": 8, \"top_k\": 2, \"layers\": []}",
        "'model' is the string \"\\u001B]0;x\\u0007\", which holds a control, format or line-break character; name it in printable text")]
    [InlineData("{\"experts\": 8, \"top_k\": 2, \"layers\": [{\"name\": \"a\\u2028b\", \"tokens\": 4, \"expert_tokens\": [1, 1]}]}",
        "layers[0]: 'name' is the string \"a\\u2028b\", which holds a control, format or line-break character; name it in printable text")]
    [InlineData("{\"schema\": \"\\u001b[2J\", \"experts\": 8, \"top_k\": 2, \"layers\": []}",
        "\"schema\" is the string \"\\u001B[2J\", but this graphdsl reads routing statistics of \"graphdsl-routing/1\"")]
    public void Names_a_terminal_would_act_on_and_properties_given_twice_are_refused(string text, string message)
    {
        var path = Path.Combine(_dir, "hostile.json");
        File.WriteAllText(path, text);
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error GD0607: --stats: {path}: {message}", r.Err);
        Assert.DoesNotContain(r.Err, c => char.IsControl(c) && c != '\n' || c is '\u2028');
    }

    /// <summary>predict --routing on a layout the place-experts pass placed priced the replicas as EPLB places them (or,
    /// without replicas, contiguously) while the pipeline it reported named place-experts and its own strategy: Mixtral-8x7B
    /// at tp8 ep8 with 8 redundant slots placed contiguously took 8.6 ms a step without --routing and 12.5 ms (EPLB's) with
    /// it. Now the pipeline's placement is priced, with the --routing file's loads.</summary>
    [Theory]
    [InlineData("contiguous", 8, 8)]
    [InlineData("eplb", 0, 4)]
    public void Predict_with_routing_prices_the_placement_the_pipeline_made(string strategy, int redundant, int gpus)
    {
        var stats = StatsFile(Fixtures.Zipf("mixtral-8x7b", 1.5, tokens: 8192));
        double Tpot(string passes, params string[] more)
        {
            var r = CliRunner.Run(new[] { "predict", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", $"{gpus}", "--tp", $"{gpus}", "--ep", $"{gpus}",
                "--redundant-experts", $"{redundant}", "--batch", "64", "--passes", passes, "--format", "json" }.Concat(more).ToArray());
            Assert.True(r.ExitCode == 0, r.Err);
            using var doc = JsonDocument.Parse(r.Out);
            if (passes.Contains("place-experts"))
                Assert.EndsWith($",fuse,place-experts{{stats={stats},strategy={strategy}}}", doc.RootElement.GetProperty("pipeline").GetString());
            return doc.RootElement.GetProperty("decode").GetProperty("tpot_ms").GetDouble();
        }
        string placed = $"parallelize,place-experts{{stats={stats},strategy={strategy}}},fuse";
        double alone = Tpot(placed);
        Assert.Equal(alone, Tpot(placed, "--routing", stats), 9);
        // The placement matters here: the one --routing alone prices (EPLB's replicas, or contiguous without) is slower
        // or faster by more than the tolerance.
        Assert.NotEqual(alone, Tpot("parallelize,fuse", "--routing", stats), 2);
    }

    [Fact]
    public void Without_hardware_no_memory_limit_applies()
    {
        var stats = StatsFile(Fixtures.Zipf("deepseek-v3", 1.2, tokens: 512));
        var r = CliRunner.Run("place", "samples/deepseek-v3.moe", "--gpus", "32", "--stats", stats, "--strategy", "eplb", "--redundant", "32", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.DoesNotContain("\"memory\"", r.Out);
    }

    [Fact]
    public void Experts_that_do_not_fit_the_gpus_are_rejected()
    {
        // DeepSeek-V3 in BF16 on 32 H100s: 58 x 9 experts of 88 MB do not fit beside the other weights.
        var stats = StatsFile(Fixtures.Zipf("deepseek-v3", 1.2, tokens: 512));
        var r = CliRunner.Run("place", "samples/deepseek-v3.moe", "--gpus", "32", "--stats", stats, "--strategy", "eplb", "--redundant", "32", "--hardware", "h100-sxm");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0608: eplb: each GPU would hold 58 layers x 9 experts x 88.1 MB", r.Err);
    }

    [Theory]
    [InlineData("eplbb", "unknown placement strategy 'eplbb'; did you mean 'eplb'?")]
    [InlineData("eplb{replicas=3}", "unknown option 'replicas'")]
    public void Bad_strategies_are_usage_errors(string strategy, string message)
    {
        var stats = StatsFile(Fixtures.Zipf("mixtral-8x7b", 1.0, tokens: 256));
        var r = CliRunner.Run("place", "samples/mixtral-8x7b.moe", "--gpus", "4", "--stats", stats, "--strategy", strategy);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
    }
}
