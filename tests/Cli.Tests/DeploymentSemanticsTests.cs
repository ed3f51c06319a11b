using System.Linq;
using System.Text.Json;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Cli.Commands;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// What predict, sweep and compare cost is what they report: a parallelize or quantize in --passes merges with the
/// flags key by key (a contradiction is exit 2 naming both), duplicate fixed-place passes compose or are refused,
/// the node count follows the device, a context shorter than the prompt is refused, and redundant experts and the
/// MoE communication reach the deployment (issue 14, item 3).
/// </summary>
[Collection(nameof(CliCollection))]
public class DeploymentSemanticsTests
{
    private static CliRunner.Result Predict(string sample, params string[] more) =>
        CliRunner.Run(new[] { "predict", $"samples/{sample}.moe", "--format", "json" }.Concat(more).ToArray());

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.Clone();
    }

    private static string Layout(JsonElement p)
    {
        var d = p.GetProperty("deployment");
        return $"tp={d.GetProperty("tp")} ep={d.GetProperty("ep")} dp={d.GetProperty("dp")} pp={d.GetProperty("pp")} redundant={d.GetProperty("redundant_experts")} " +
               $"moe_comm={d.GetProperty("moe_comm").GetString()} weights={d.GetProperty("weights").GetString()} kv={d.GetProperty("kv").GetString()} " +
               $"activations={d.GetProperty("activations").GetString()}";
    }

    private static double WeightsGb(JsonElement p) => p.GetProperty("memory").GetProperty("weights_gb").GetDouble();

    /// <summary>`--passes parallelize,fuse` used to replace the flags' layout with parallelize's defaults: a 1-GPU layout
    /// costed for 16 GPUs. Now the element takes the flags' values, and the pipeline that ran says so.</summary>
    [Fact]
    public void A_bare_parallelize_in_passes_keeps_the_flags_layout()
    {
        string[] args = { "--hardware", "h100-sxm", "--gpus", "16", "--tp", "1", "--dp", "16", "--ep", "16", "--weights", "fp8", "--batch", "1024", "--prompt", "1024", "--context", "2048" };
        var plain = Json(Predict("deepseek-v3", args));
        var withPasses = Json(Predict("deepseek-v3", args.Concat(new[] { "--passes", "parallelize,fuse" }).ToArray()));
        Assert.Equal("tp=1 ep=16 dp=16 pp=1 redundant=0 moe_comm=auto weights=fp8 kv=keep activations=keep", Layout(withPasses));
        Assert.Equal("inline,canonicalize,prune-logits,quantize{weights=fp8},parallelize{tp=1,ep=16,dp=16,pp=1},fuse", withPasses.GetProperty("pipeline").GetString());
        Assert.Equal(plain.GetProperty("decode").GetProperty("tpot_ms").GetDouble(), withPasses.GetProperty("decode").GetProperty("tpot_ms").GetDouble());
        Assert.Equal(WeightsGb(plain), WeightsGb(withPasses));
    }

    /// <summary>A key the flags leave out comes from the pass, and the defaults are taken after the merge: with
    /// parallelize{tp=2,dp=4} on 8 GPUs, tp is 2 (not gpus / dp = 8 from the flags' dp of 1).</summary>
    [Fact]
    public void Pass_options_set_the_keys_the_flags_leave_out()
    {
        var p = Json(Predict("llama-3-8b", "--hardware", "h100-sxm", "--gpus", "8", "--batch", "8", "--passes", "parallelize{tp=2,dp=4},quantize{weights=int4}"));
        Assert.Equal("tp=2 ep=1 dp=4 pp=1 redundant=0 moe_comm=auto weights=int4 kv=keep activations=keep", Layout(p));
        var flags = Json(Predict("llama-3-8b", "--hardware", "h100-sxm", "--gpus", "8", "--batch", "8", "--tp", "2", "--dp", "4", "--weights", "int4"));
        Assert.Equal(WeightsGb(flags), WeightsGb(p));
        Assert.Equal(flags.GetProperty("decode").GetProperty("tpot_ms").GetDouble(), p.GetProperty("decode").GetProperty("tpot_ms").GetDouble());
    }

    /// <summary>quantize{activations=fp8} used to replace the deployment's quantize and drop --weights fp8 (DeepSeek-V3
    /// on 8 H200: 150 GB of weights per GPU instead of 85); now it joins it.</summary>
    [Fact]
    public void Quantize_activations_joins_the_weight_format_of_the_flags()
    {
        string[] args = { "--hardware", "h200-sxm", "--gpus", "8", "--tp", "8", "--weights", "fp8" };
        var plain = Json(Predict("deepseek-v3", args));
        var p = Json(Predict("deepseek-v3", args.Concat(new[] { "--passes", "quantize{activations=fp8}" }).ToArray()));
        Assert.Equal("tp=8 ep=1 dp=1 pp=1 redundant=0 moe_comm=auto weights=fp8 kv=keep activations=fp8", Layout(p));
        Assert.Contains(",quantize{weights=fp8,activations=fp8},", p.GetProperty("pipeline").GetString());
        Assert.Equal(WeightsGb(plain), WeightsGb(p));
        Assert.InRange(WeightsGb(p), 80, 90);
    }

    [Theory]
    [InlineData("--tp", "8", "parallelize{tp=1}", "graphdsl: error GD0810: --tp 8 contradicts parallelize{tp=1} in --passes; give tp once, as the flag or as the pass option")]
    [InlineData("--weights", "fp8", "quantize{weights=int4}", "graphdsl: error GD0810: --weights fp8 contradicts quantize{weights=int4} in --passes; give weights once, as the flag or as the pass option")]
    [InlineData("--kv", "keep", "quantize{kv=fp8}", "graphdsl: error GD0810: --kv keep contradicts quantize{kv=fp8} in --passes; give kv once, as the flag or as the pass option")]
    [InlineData("--moe-comm", "all_gather", "parallelize{moe_comm=all_to_all}",
        "graphdsl: error GD0810: --moe-comm all_gather contradicts parallelize{moe_comm=all_to_all} in --passes; give moe_comm once, as the flag or as the pass option")]
    // Two elements of one pass compose unless they disagree; then both are named, at the later one's column.
    [InlineData("--batch", "1", "quantize{weights=fp8},quantize{weights=int4}",
        "<pipeline>:1:23: error GD0509: quantize{weights=fp8} and quantize{weights=int4} set 'weights' to different values; write the option once")]
    [InlineData("--batch", "1", "fuse{attention=false},canonicalize,fuse{attention=true}",
        "<pipeline>:1:36: error GD0509: fuse{attention=false} and fuse{attention=true} set 'attention' to different values; write the option once")]
    [InlineData("--batch", "1", "parallelize{tp=4},parallelize{tp=8}",
        "<pipeline>:1:19: error GD0509: parallelize{tp=4} and parallelize{tp=8} set 'tp' to different values; write the option once")]
    [InlineData("--batch", "1", "parallelize{tp=0}", "graphdsl: error GD0504: option 'tp' of pass 'parallelize': 0 is less than 1")]
    public void A_key_given_two_ways_with_different_values_is_a_usage_error(string flag, string value, string passes, string message)
    {
        var r = Predict("llama-3-8b", "--hardware", "h100-sxm", "--gpus", "8", flag, value, "--passes", passes);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(message, r.Err.Split('\n')[0].TrimEnd('\r'));
        Assert.Equal("", r.Out);
    }

    /// <summary>The same value given both ways, and two elements of one pass that set different keys, compose.</summary>
    [Fact]
    public void Agreeing_flags_and_duplicate_passes_compose()
    {
        var p = Json(Predict("llama-3-8b", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--weights", "fp8",
            "--passes", "parallelize{tp=08},quantize{weights=fp8},fuse{attention=false},quantize{kv=fp8},fuse{norm=false}"));
        Assert.Equal("tp=8 ep=1 dp=1 pp=1 redundant=0 moe_comm=auto weights=fp8 kv=fp8 activations=keep", Layout(p));
        Assert.Equal("inline,canonicalize,prune-logits,quantize{weights=fp8,kv=fp8},parallelize{tp=8,ep=1,dp=1,pp=1},fuse{attention=false,norm=false}",
            p.GetProperty("pipeline").GetString());
    }

    /// <summary>A sweep merges each ';'-separated pipeline with its list flags the same way: the pass's value replaces a
    /// list that was not given and must equal one that was.</summary>
    [Fact]
    public void Sweep_merges_each_pipeline_with_the_list_flags()
    {
        var d = Json(CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--dp", "1,2,4", "--batch", "8",
            "--passes", ";parallelize{tp=2}", "--format", "json"));
        var rows = d.GetProperty("configurations").EnumerateArray().Select(c => $"'{c.GetProperty("passes").GetString()}' {c.GetProperty("tp")}x{c.GetProperty("dp")}").ToArray();
        Assert.Equal(new[] { "'' 8x1", "'' 4x2", "'' 2x4", "'parallelize{tp=2}' 2x4" }, rows);

        var r = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "1,2", "--passes", "parallelize{tp=2}");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0810: --tp 1,2 contradicts parallelize{tp=2} in --passes; give tp once, as the flag or as the pass option", r.Err);
    }

    /// <summary>64 H200s on "one node" used to be the default (23 ms, against 46 ms on the 8 nodes they fill).</summary>
    [Fact]
    public void Nodes_default_to_the_devices_node_size_and_the_output_says_so()
    {
        string[] args = { "--hardware", "h200-sxm", "--gpus", "64", "--tp", "8", "--dp", "8", "--ep", "64", "--weights", "fp8", "--batch", "512", "--prompt", "1024", "--context", "2048" };
        var byDefault = Json(Predict("deepseek-v3", args));
        var hw = byDefault.GetProperty("hardware");
        Assert.Equal(8, hw.GetProperty("nodes").GetInt32());
        Assert.True(hw.GetProperty("nodes_default").GetBoolean());
        var explicitNodes = Json(Predict("deepseek-v3", args.Concat(new[] { "--nodes", "8" }).ToArray()));
        Assert.False(explicitNodes.GetProperty("hardware").GetProperty("nodes_default").GetBoolean());
        Assert.Equal(byDefault.GetProperty("decode").GetProperty("tpot_ms").GetDouble(), explicitNodes.GetProperty("decode").GetProperty("tpot_ms").GetDouble());

        // Asking for one node of 64 is kept, with a warning that says what was chosen and why.
        var oneNode = Predict("deepseek-v3", args.Concat(new[] { "--nodes", "1" }).ToArray());
        Assert.Equal(1, Json(oneNode).GetProperty("hardware").GetProperty("nodes").GetInt32());
        Assert.Equal("graphdsl: warning GD0812: --nodes 1 puts 64 GPUs on each node, but a h200-sxm node holds 8; costing 1 node(s) of 64 GPU(s) as asked " +
                     "(their GPUs share one NVLink domain); without --nodes, 64 GPUs take 8 node(s)", oneNode.Err.Trim());
        Assert.True(explicitNodes.GetProperty("decode").GetProperty("tpot_ms").GetDouble() > Json(oneNode).GetProperty("decode").GetProperty("tpot_ms").GetDouble());

        var table = CliRunner.Run(new[] { "predict", "samples/deepseek-v3.moe" }.Concat(args).ToArray());
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("(8 node(s) of 8 GPU(s), the --nodes default for h200-sxm (8 GPUs per node))", string.Join(" ", table.Out.Split('\n').Select(l => l.Trim())));
    }

    [Theory]
    [InlineData(64, 8, 8)]
    [InlineData(8, 1, 8)]
    [InlineData(1, 1, 1)]
    // 9 GPUs of 8-GPU nodes: ceil(9 / 8) = 2 nodes do not split 9 evenly; 3 nodes of 3 do.
    [InlineData(9, 3, 3)]
    [InlineData(12, 2, 6)]
    // A prime count fills nodes of one GPU. 2^31 - 1 is prime: the search counted nodes up from 2^28 for 12 s; it now
    // counts GPUs per node down from the device's 8.
    [InlineData(13, 13, 1)]
    [InlineData(int.MaxValue, int.MaxValue, 1)]
    public void The_default_node_count_fills_nodes_of_the_devices_size(int gpus, int nodes, int perNode)
    {
        var choice = ClusterChoice.For(HardwareCatalog.BuiltIn().Find("h100-sxm")!, gpus, null, new DiagnosticBag())!;
        Assert.True(choice.NodesDefault);
        Assert.Equal((nodes, perNode), (choice.Cluster.Nodes, choice.Cluster.GpusPerNode));
    }

    [Fact]
    public void Compare_and_sweep_report_the_node_count_they_chose()
    {
        var compare = CliRunner.Run("compare", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "16", "--tp", "8", "--dp", "2", "--batch", "2",
            "--contexts", "4k", "--format", "json");
        var hw = Json(compare).GetProperty("hardware");
        Assert.Equal((2, true), (hw.GetProperty("nodes").GetInt32(), hw.GetProperty("nodes_default").GetBoolean()));
        var sweep = Json(CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8,16", "--tp", "8", "--dp", "1,2",
            "--batch", "8", "--format", "json"));
        var rows = sweep.GetProperty("configurations").EnumerateArray().Select(c => $"{c.GetProperty("gpus")}/{c.GetProperty("nodes")}/{c.GetProperty("dp")}").ToArray();
        Assert.Equal(new[] { "8/1/1", "16/2/2" }, rows);
    }

    [Fact]
    public void Place_takes_its_node_count_from_the_hardware()
    {
        var stats = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"graphdsl-place-{System.Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, CliRunner.Run("route-stats", "samples/deepseek-v3.moe", "--synthetic", "zipf:1.2", "--seed", "7", "-o", stats).ExitCode);
            var r = CliRunner.Run("place", "samples/deepseek-v3.moe", "--gpus", "32", "--stats", stats, "--hardware", "h100-sxm", "--weights", "fp8", "--format", "json");
            Assert.Equal(4, Json(r).GetProperty("nodes").GetInt32());
            Assert.Contains("graphdsl: note: 32 GPUs over 4 node(s) of 8 GPU(s), the --nodes default for h100-sxm (8 GPUs per node)", r.Err);
        }
        finally { System.IO.File.Delete(stats); }
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("compare")]
    public void A_context_shorter_than_the_prompt_is_a_usage_error(string command)
    {
        var r = CliRunner.Run(command, "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--prompt", "2048", "--context", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("graphdsl: error GD0811: --context 1 is shorter than --prompt 2048: the decode step's KV cache holds the prompt and the tokens generated after it, " +
                     "so the context is at least the prompt", r.Err.Trim());
    }

    /// <summary>A sweep skips (and counts) the (prompt, context) pairs whose context is shorter than the prompt: its
    /// "best" row once had context 1 with a 2048-token prompt. With no pair left it is a usage error.</summary>
    [Fact]
    public void Sweep_skips_and_counts_contexts_shorter_than_the_prompt()
    {
        var r = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--prompt", "512,2048", "--context", "1,1k,4k", "--batch", "8", "--format", "json");
        var d = Json(r);
        var pairs = d.GetProperty("configurations").EnumerateArray().Select(c => $"{c.GetProperty("prompt")}/{c.GetProperty("context")}").ToArray();
        Assert.Equal(new[] { "512/1024", "512/4096", "2048/4096" }, pairs);
        Assert.Equal(3, d.GetProperty("skipped").GetProperty("context_below_prompt").GetInt32());
        Assert.Contains("note GD0619: 3 of 6 (prompt, context) pairs skipped: the context is shorter than the prompt", r.Err);

        var none = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--prompt", "2048", "--context", "1", "--batch", "8");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("error GD0811: every --context is shorter than every --prompt (longest context 1, shortest prompt 2048)", none.Err);
    }

    /// <summary>Layouts whose ep does not divide tp x dp, and layouts a pass refuses, are counted too.</summary>
    [Fact]
    public void Sweep_counts_the_layouts_it_skips_or_a_pass_refuses()
    {
        var r = CliRunner.Run("sweep", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "4,8", "--dp", "1,2", "--ep", "1,3,8",
            "--moe-comm", "all_to_all", "--batch", "8", "--format", "json");
        var d = Json(r);
        var skipped = d.GetProperty("skipped");
        // 12 candidates: tp x dp = 8 for (8,1) and (4,2); of their 6 with an ep, ep=3 does not divide 8; with ep=1 each expert
        // is split 8 ways, which the all-to-all cannot serve, so parallelize refuses it (a row with the error).
        Assert.Equal((12, 6, 2, 2), (skipped.GetProperty("candidate_layouts").GetInt32(), skipped.GetProperty("other_gpu_count").GetInt32(),
            skipped.GetProperty("ep_not_dividing").GetInt32(), skipped.GetProperty("refused_by_pass").GetInt32()));
        Assert.Equal(4, d.GetProperty("count").GetInt32());
        Assert.Equal(2, d.GetProperty("configurations").EnumerateArray().Count(c => c.TryGetProperty("error", out _)));
        Assert.Contains("note GD0619: 6 of 12 candidate layouts skipped: tp x dp x pp is not the GPU count; 2 of 12 candidate layouts skipped: ep does not divide tp x dp " +
                        "(the GPUs of an MoE layer); 2 layout(s) refused by a pass or by the model: their rows give the error", r.Err);
    }

    /// <summary>256 experts over 72 GPUs with 32 redundant slots (4 per GPU) used to be refused ("ep=72 does not divide
    /// the 256 experts"). The replicas cost memory: each GPU holds 4 expert slots per layer, as 256 experts over 64 GPUs do.</summary>
    [Fact]
    public void Redundant_experts_make_room_for_an_expert_parallel_group_that_does_not_divide_the_experts()
    {
        var r = Json(Predict("deepseek-v3", "--hardware", "h100-sxm", "--gpus", "72", "--ep", "72", "--dp", "72", "--tp", "1", "--redundant-experts", "32",
            "--weights", "fp8", "--batch", "72"));
        Assert.Equal("tp=1 ep=72 dp=72 pp=1 redundant=32 moe_comm=auto weights=fp8 kv=keep activations=keep", Layout(r));
        Assert.Equal(9, r.GetProperty("hardware").GetProperty("nodes").GetInt32());
        Assert.Contains("parallelize{tp=1,ep=72,dp=72,pp=1,redundant=32}", r.GetProperty("pipeline").GetString());
        var fourSlots = Json(Predict("deepseek-v3", "--hardware", "h100-sxm", "--gpus", "64", "--ep", "64", "--dp", "64", "--tp", "1", "--weights", "fp8", "--batch", "64"));
        var eightSlots = Json(Predict("deepseek-v3", "--hardware", "h100-sxm", "--gpus", "32", "--ep", "32", "--dp", "32", "--tp", "1", "--weights", "fp8", "--batch", "32"));
        Assert.Equal(WeightsGb(fourSlots), WeightsGb(r), 9);
        Assert.True(WeightsGb(eightSlots) > WeightsGb(r) + 10, $"8 slots {WeightsGb(eightSlots)} GB, 4 slots {WeightsGb(r)} GB");

        var without = Predict("deepseek-v3", "--hardware", "h100-sxm", "--gpus", "72", "--ep", "72", "--dp", "72", "--tp", "1", "--weights", "fp8", "--batch", "72");
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("ep=72 does not divide the 256 experts (redundant experts can make up the difference: redundant=32 gives 288 slots)", without.Err);
    }

    [Fact]
    public void Moe_comm_defaults_to_the_profiles_and_the_flag_reaches_the_pass()
    {
        string[] args = { "--hardware", "h100-sxm", "--gpus", "16", "--tp", "1", "--dp", "16", "--ep", "16", "--weights", "fp8", "--batch", "256" };
        var trtllm = Json(Predict("deepseek-v3", args.Concat(new[] { "--profile", "trtllm" }).ToArray()));
        Assert.Equal("all_gather", trtllm.GetProperty("deployment").GetProperty("moe_comm").GetString());
        Assert.Contains("moe_comm=all_gather", trtllm.GetProperty("pipeline").GetString());
        var byFlag = Json(Predict("deepseek-v3", args.Concat(new[] { "--profile", "trtllm", "--moe-comm", "all_to_all" }).ToArray()));
        Assert.Equal("all_to_all", byFlag.GetProperty("deployment").GetProperty("moe_comm").GetString());
        Assert.NotEqual(trtllm.GetProperty("decode").GetProperty("communication_ms").GetDouble(), byFlag.GetProperty("decode").GetProperty("communication_ms").GetDouble());
    }

    [Fact]
    public void Sweep_and_compare_take_redundant_experts()
    {
        var sweep = Json(CliRunner.Run("sweep", "samples/deepseek-v3.moe", "--hardware", "h100-sxm", "--gpus", "64,72", "--tp", "1", "--dp", "64,72", "--ep", "64,72",
            "--redundant-experts", "0,32", "--weights", "fp8", "--batch", "576", "--format", "json"));
        var rows = sweep.GetProperty("configurations").EnumerateArray()
            .Select(c => $"{c.GetProperty("gpus")}:{c.GetProperty("ep")}+{c.GetProperty("redundant_experts")}{(c.TryGetProperty("error", out _) ? " refused" : "")}").ToArray();
        // ep=64 with 32 redundant: 288 slots over 64 shards do not divide; ep=72 without redundant: 256 over 72 do not.
        Assert.Equal(new[] { "64:64+0", "64:64+32 refused", "72:72+0 refused", "72:72+32" }, rows);
        var compare = Json(CliRunner.Run("compare", "samples/deepseek-v3.moe", "--hardware", "h100-sxm", "--gpus", "72", "--tp", "1", "--dp", "72", "--ep", "72",
            "--redundant-experts", "32", "--weights", "fp8", "--batch", "72", "--contexts", "4k", "--format", "json"));
        Assert.Equal(32, compare.GetProperty("a").GetProperty("deployment").GetProperty("redundant_experts").GetInt32());
    }

    /// <summary>A request's TTFT is the mean over the batch of when the prefill pass holding the end of its prompt
    /// completes; the batch's prefill is reported beside it (docs/cost-model.md).</summary>
    [Fact]
    public void Predict_reports_a_requests_ttft_and_the_batch_prefill()
    {
        // 8 prompts of 1024 tokens fill one 8192-token pass: every request's first token comes with the batch's.
        var one = Json(Predict("llama-3-8b", "--hardware", "h100-sxm", "--batch", "8", "--prompt", "1024", "--context", "2048")).GetProperty("prefill");
        Assert.Equal(1, one.GetProperty("passes").GetInt32());
        Assert.Equal(one.GetProperty("batch_ms").GetDouble(), one.GetProperty("ttft_ms").GetDouble());
        // 64 prompts of 1024 tokens take 8 passes: request i ends in pass ceil(i / 8), so the mean share is 4.5 / 8.
        var eight = Json(Predict("llama-3-8b", "--hardware", "h100-sxm", "--batch", "64", "--prompt", "1024", "--context", "2048")).GetProperty("prefill");
        Assert.Equal(8, eight.GetProperty("passes").GetInt32());
        double batch = eight.GetProperty("batch_ms").GetDouble(), ttft = eight.GetProperty("ttft_ms").GetDouble();
        Assert.InRange(ttft / batch, 4.5 / 8, 4.5 / 8 + 0.01);
    }

    [Fact]
    public void Stats_shows_windowed_kv_per_token_and_its_cap()
    {
        var r = CliRunner.Run("stats", "samples/gpt-oss-120b.moe", "--format", "json");
        var d = Json(r);
        Assert.Equal(36864, d.GetProperty("kv_bytes_per_token").GetDouble());
        var windows = d.GetProperty("kv_windows").EnumerateArray().Select(w =>
            (w.GetProperty("window").GetInt32(), w.GetProperty("bytes_per_token").GetDouble(), w.GetProperty("max_bytes_per_sequence").GetDouble())).ToArray();
        // 18 sliding layers x 8 KV heads x 64 x (K and V) x 2 bytes = 36,864 bytes per token, at most 128 tokens.
        Assert.Equal(new[] { (128, 36864.0, 128 * 36864.0) }, windows);
        var layers = d.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "layers");
        Assert.Equal(36864, layers.GetProperty("kv_window_bytes_per_token").GetDouble());
        var table = CliRunner.Run("stats", "samples/gpt-oss-120b.moe");
        Assert.Contains("KV cache per token, 128-token sliding windows", table.Out);
        Assert.Contains("at most, per sequence (capped at 128 tokens)", table.Out);
        Assert.Contains("4.72 MB", table.Out);
    }
}
