using System;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>Commands that answer one question two ways agree: compare's figures are those of predict run on each side's
/// flags, and a layout one side alone asks for (through --passes-b) is priced as that side's, never the other's.</summary>
[Collection(nameof(CliCollection))]
public class PredictCrossCheckTests
{
    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    /// <summary>compare llama-3-8b --gpus 2 --passes-b "parallelize{dp=2}" used the first model's dp (1) for the second's
    /// largest batch per context, so it probed a batch of 1 over 2 replicas: "error GD0899: internal error: ArgumentException:
    /// the batch (1) must be a multiple of dp (2)". Each side's largest batch and tokens/s there are now predict's on its
    /// own layout (b: tp 1, dp 2; 113 sequences per replica at 4k).</summary>
    [Fact]
    public void Compare_prices_each_side_at_its_own_dp()
    {
        var compare = Json(CliRunner.Run("compare", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--batch", "2",
            "--passes-b", "parallelize{dp=2}", "--contexts", "4k", "--format", "json"));
        var row = compare.GetProperty("contexts")[0];
        string[] b = { "predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--dp", "2", "--context", "4096", "--format", "json" };
        long maxB = Json(CliRunner.Run([.. b, "--batch", "2"])).GetProperty("max_batch").GetInt64();
        Assert.Equal(maxB, row.GetProperty("max_batch_b").GetInt64());
        Assert.Equal(0, maxB % 2);
        double tokensB = Json(CliRunner.Run([.. b, "--batch", maxB.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            .GetProperty("decode").GetProperty("tokens_per_s").GetDouble();
        Assert.Equal(tokensB, row.GetProperty("tokens_per_s_b").GetDouble(), 1e-9 * tokensB);
    }

    /// <summary>Llama 3.1 405B in BF16 on one H100 (811.7 GB of weights per GPU) printed "fits: no" and "decode tokens/s: -
    /// (does not fit)" beside "output tokens/s (100 per request): 16.0" (JSON output_tokens_per_s 16.0). A batch that does not
    /// fit has no end-to-end throughput in any format either, and says so.</summary>
    [Fact]
    public void Predict_gives_no_output_throughput_when_the_batch_does_not_fit()
    {
        string[] predict = { "predict", "samples/llama-3.1-405b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "8", "--output-tokens", "100" };
        var root = Json(CliRunner.Run([.. predict, "--format", "json"]));
        Assert.False(root.GetProperty("feasible").GetBoolean());
        var throughput = root.GetProperty("throughput");
        Assert.Equal(JsonValueKind.Null, throughput.GetProperty("output_tokens_per_s").ValueKind);
        Assert.Equal("does not fit", throughput.GetProperty("output_limit").GetString());
        var table = CliRunner.Run(predict);
        Assert.Contains(table.Out.Split('\n'), l => l.Contains("output tokens/s (100 per request)", StringComparison.Ordinal) && l.Contains("- (does not fit)", StringComparison.Ordinal));
    }

    /// <summary>A draft model over another vocabulary (DeepSeek-V3's 129,280 tokens drafting for Llama 3 70B's 128,256) was
    /// priced as a 0.39x "speedup" with exit 0; the target cannot verify its tokens, so it is refused at the draft's output.</summary>
    [Fact]
    public void Predict_refuses_a_draft_model_over_another_vocabulary()
    {
        string[] predict = { "predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--batch", "8", "--draft-tokens", "2", "--acceptance", "2" };
        var r = CliRunner.Run([.. predict, "--speculative", "draft:samples/deepseek-v3.moe"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("samples/deepseek-v3.moe:49:3: error GD0855: --speculative draft: DeepSeekV3 predicts over 129280 tokens, but Llama3_70B over 128256: "
            + "the target cannot verify tokens from another vocabulary", r.Err.Trim());
        Assert.Equal(0, CliRunner.Run([.. predict, "--speculative", "draft:samples/llama-3-8b.moe"]).ExitCode);
    }

    /// <summary>--ep and --redundant-experts on a model without MoE layers priced the dense model as it is and printed the
    /// layout as "tp=2 ep=2" (exit 0); a sweep over --ep 1,8 ranked the ep=8 twin of each row beside it. predict refuses
    /// the layout, and sweep gives its rows the reason instead of figures.</summary>
    [Fact]
    public void Expert_parallelism_on_a_dense_model_is_refused()
    {
        const string Reason = "ep=2 and redundant=4: expert parallelism splits the experts of MoE layers, but Llama3_8B as compiled has none (no MoE layer, or --passes removed them); use ep=1 and redundant=0";
        var predict = CliRunner.Run("predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--tp", "2", "--ep", "2", "--redundant-experts", "4");
        Assert.Equal(1, predict.ExitCode);
        Assert.Equal("graphdsl: error GD0856: " + Reason, predict.Err.Trim());
        var viaPasses = CliRunner.Run("predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--tp", "2", "--passes", "parallelize{ep=2}");
        Assert.Equal("graphdsl: error GD0856: ep=2: expert parallelism splits the experts of MoE layers, but Llama3_8B as compiled has none (no MoE layer, or --passes removed them); use ep=1 and redundant=0", viaPasses.Err.Trim());

        var sweep = Json(CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--ep", "1,8", "--batch", "8", "--format", "json"));
        var rows = sweep.GetProperty("configurations").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.True(rows[0].GetProperty("best").GetBoolean());
        Assert.Equal(8, rows[1].GetProperty("ep").GetInt32());
        Assert.False(rows[1].GetProperty("feasible").GetBoolean());
        Assert.Equal("ep=8: expert parallelism splits the experts of MoE layers, but Llama3_8B as compiled has none (no MoE layer, or --passes removed them); use ep=1 and redundant=0", rows[1].GetProperty("error").GetString());

        // An MoE model keeps its expert parallelism.
        Assert.Equal(0, CliRunner.Run("predict", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--tp", "2", "--ep", "2").ExitCode);
    }

    /// <summary>A hardware file's efficiency fractions were checked only to lie in (0, 1]: hbm_fraction 1e-9 priced Llama 3 8B's
    /// decode step at 2.4 x 10^9 ms (exit 0), as 1e-300 GB/s of bandwidth once did. A share under 10^-5 of a peak, a thousand
    /// times below the smallest measured, is refused and located like any other bad figure; every fraction field shares the bound.</summary>
    [Theory]
    [InlineData("\"hbm_fraction\": 1e-9", 15, "measured.hbm_fraction is 1E-09, below any device (at least 1E-05)")]
    [InlineData("\"gemm_fraction\": {\"bf16\": 1e-9}", 33, "measured.gemm_fraction.bf16 is 1E-09, below any device (at least 1E-05)")]
    [InlineData("\"scan_fraction\": {\"gdn\": 1e-9}", 33, "measured.scan_fraction.gdn is 1E-09, below any device (at least 1E-05)")]
    [InlineData("\"attention_law\": {\"eta_max\": 1e-9, \"half_tokens\": 881, \"tile_ns\": 23.9, \"prefill_fixed_us\": 16, \"kv_head_ns\": 8.89, "
        + "\"decode_fixed_us\": 9.1, \"kv_hbm_fraction\": 0.9}", 33, "measured.attention_law.eta_max is 1E-09, below any device (at least 1E-05)")]
    public void A_hardware_file_efficiency_below_any_device_is_refused(string measured, int column, string message)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("graphdsl-fraction-").FullName;
        var path = System.IO.Path.Combine(dir, "hw.json");
        System.IO.File.WriteAllText(path, "{\"devices\": [{\"id\": \"slow\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900},\n"
            + " \"intra_node\": {\"unidirectional_gbps\": 400},\n \"measured\": {" + measured + "}}]}\n");
        var r = CliRunner.Run("predict", "samples/llama-3-8b.moe", "--hardware", "slow", "--hardware-file", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"{path}:3:{column}: error GD0604: devices[0] ('slow'): {message}", r.Err.Trim());
        // At the bound the figure stands: a device may be that slow, and the prediction says what it would do.
        System.IO.File.WriteAllText(path, System.IO.File.ReadAllText(path).Replace("1e-9", "1e-5", StringComparison.Ordinal));
        Assert.Equal(0, CliRunner.Run("predict", "samples/llama-3-8b.moe", "--hardware", "slow", "--hardware-file", path).ExitCode);
    }

    /// <summary>A draft model the target's layout cannot shard failed with "tp=8 does not divide the 4 attention heads" for
    /// a target of 64 heads, naming neither model; a note now says the error is the drafter's and on which layout.</summary>
    [Fact]
    public void A_drafter_the_layout_cannot_shard_is_named()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("graphdsl-drafter-").FullName;
        var draft = System.IO.Path.Combine(dir, "draft.moe");
        System.IO.File.WriteAllText(draft, System.IO.File.ReadAllText(System.IO.Path.Combine(GraphDsl.TestSupport.Repo.Root, "samples", "tiny-dense.moe"))
            .Replace("param vocab = 512", "param vocab = 128256", StringComparison.Ordinal));
        var r = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--batch", "8",
            "--speculative", "draft:" + draft, "--draft-tokens", "4", "--acceptance", "3");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(new[]
        {
            "graphdsl: error GD0505: pass 'parallelize' failed: tp=8 does not divide the 4 attention heads",
            $"graphdsl: note GD0857: the errors above are the drafter's: TinyDense ({draft}) is compiled on the target's layout, tp=8 ep=1 dp=1 pp=1, "
                + "as engines shard a drafter with the target's tensor parallelism",
        }, r.Err.Trim().Split('\n'));
    }

    /// <summary>A hardware file's device with an id of "", " " or "a,b" loaded and was listed by `hardware`, but --hardware
    /// could never name it (an empty id is refused, sweep and plan split their lists at commas); it is refused at its id.</summary>
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a,b")]
    [InlineData("h100 ")]
    public void A_device_id_no_command_line_can_name_is_refused(string id)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("graphdsl-deviceid-").FullName;
        var path = System.IO.Path.Combine(dir, "hw.json");
        var quoted = JsonSerializer.Serialize(id);
        System.IO.File.WriteAllText(path, "{\"devices\": [\n  {\"id\": " + quoted + ", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900}, "
            + "\"intra_node\": {\"unidirectional_gbps\": 400}}]}\n");
        var r = CliRunner.Run("hardware", "--hardware-file", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"{path}:2:4: error GD0604: devices[0]: 'id' {quoted} cannot be named with --hardware: give an id without commas, control characters or spaces at its ends",
            r.Err.Trim());
    }

    /// <summary>sweep -o said "no feasible configuration" when rows fit but none met --tpot-slo-ms; it names the target.</summary>
    [Fact]
    public void Sweep_says_when_the_tpot_target_excludes_every_feasible_row()
    {
        var output = System.IO.Path.Combine(System.IO.Directory.CreateTempSubdirectory("graphdsl-sweepslo-").FullName, "out.csv");
        string[] sweep = { "sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "1", "-o", output };
        Assert.Equal("no feasible configuration meets the TPOT target of 0.001 ms", CliRunner.Run([.. sweep, "--batch", "8", "--tpot-slo-ms", "0.001"]).Err.Trim());
        Assert.Equal("no feasible configuration", CliRunner.Run([.. sweep, "--batch", "1000000"]).Err.Trim());
    }

    /// <summary>A hardware file's device without a network link, on 16 GPUs (2 nodes of 8), had its all-reduces between
    /// nodes priced at its NVLink's 400 GB/s; it is refused, and --nodes 1 (one NVLink domain, with GD0812) still prices it.</summary>
    [Fact]
    public void A_device_without_a_network_cannot_span_nodes()
    {
        var path = System.IO.Path.Combine(System.IO.Directory.CreateTempSubdirectory("graphdsl-nonet-").FullName, "hw.json");
        System.IO.File.WriteAllText(path, "{\"devices\": [{\"id\": \"nonet\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900}, "
            + "\"intra_node\": {\"unidirectional_gbps\": 400}}]}\n");
        string[] predict = { "predict", "samples/llama-3-70b.moe", "--hardware", "nonet", "--hardware-file", path, "--gpus", "16", "--batch", "8" };
        var r = CliRunner.Run(predict);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("graphdsl: error GD0646: device 'nonet' gives no network link, so 16 GPUs as 2 node(s) of 8 could not talk between nodes; "
            + "give it a 'network' in the hardware file, or --nodes 1 to cost one NVLink domain", r.Err.Trim());
        Assert.Equal(0, CliRunner.Run([.. predict, "--nodes", "1"]).ExitCode);
        Assert.Equal(0, CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "nonet", "--hardware-file", path, "--gpus", "8", "--batch", "8").ExitCode);
    }

    /// <summary>The largest batch that fits was sized with the workspace of the batch asked for: Mixtral 8x7B in FP8 on 8 H100s
    /// at 8k context said 530 at --batch 1 (a 1,024-token prefill chunk), where --batch 530 (an 8,192-token chunk) "does not
    /// fit" and sweep's row for it said 529; compare's per-context table said 530 beside a max_batch of 529. Every command now
    /// gives the batch that fits with its own workspace.</summary>
    [Fact]
    public void The_largest_batch_fits_and_one_more_does_not()
    {
        string[] predict = { "predict", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--weights", "fp8",
            "--prompt", "1024", "--context", "8192", "--format", "json" };
        JsonElement At(long batch) => Json(CliRunner.Run([.. predict, "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        long largest = At(1).GetProperty("max_batch").GetInt64();
        Assert.Equal(529, largest);
        Assert.True(At(largest).GetProperty("feasible").GetBoolean());
        Assert.False(At(largest + 1).GetProperty("feasible").GetBoolean());
        var compare = Json(CliRunner.Run("compare", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--weights", "fp8",
            "--prompt", "1024", "--context", "8192", "--contexts", "8k", "--format", "json"));
        Assert.Equal(largest, compare.GetProperty("contexts")[0].GetProperty("max_batch_a").GetInt64());
        var sweep = Json(CliRunner.Run("sweep", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--weights", "fp8",
            "--prompt", "1024", "--context", "8192", "--batch", "1,530", "--format", "json"));
        Assert.All(sweep.GetProperty("configurations").EnumerateArray(), row => Assert.Equal(largest, row.GetProperty("max_batch").GetInt64()));
    }

    /// <summary>compare llama-3-8b --dense-q 2 compared Llama 3 8B with itself (densify leaves a model without MoE layers as it
    /// is) and printed both as "8.03 bn", q unused, exit 0; it is refused.</summary>
    [Fact]
    public void Compare_refuses_a_dense_counterpart_of_a_dense_model()
    {
        var r = CliRunner.Run("compare", "samples/llama-3-8b.moe", "--dense-q", "2", "--hardware", "h100-sxm", "--contexts", "4k");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("graphdsl: error GD0647: --dense-q 2: Llama3_8B has no MoE layer, so it is its own dense counterpart and q would go unused; "
            + "compare it with another model (compare A.moe B.moe)", r.Err.Trim());
    }

    /// <summary>A draft model is laid out like the target, one stage on each of the target's pipeline stages, but only its last
    /// stage's weights and KV were counted, on the target's last stage: Llama 3 70B over tp 2 / pp 4 with a 4-layer draft of
    /// width 4096 said its fullest GPU held 18.59 GB of weights and 338 sequences fit, leaving out the draft's first stage
    /// (its 1.05 GB embedding) on the target's first, fullest stage. Each stage now carries its share of the drafter: the fullest
    /// holds the target's fullest stage plus the draft's (both as predict gives them alone).</summary>
    [Fact]
    public void A_draft_model_counts_on_every_pipeline_stage()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("graphdsl-draftpp-").FullName;
        var draft = System.IO.Path.Combine(dir, "draft.moe");
        System.IO.File.WriteAllText(draft, System.IO.File.ReadAllText(System.IO.Path.Combine(GraphDsl.TestSupport.Repo.Root, "samples", "tiny-dense.moe"))
            .Replace("param vocab = 512", "param vocab = 128256", StringComparison.Ordinal).Replace("param d = 128", "param d = 4096", StringComparison.Ordinal)
            .Replace("param heads = 4", "param heads = 32", StringComparison.Ordinal).Replace("param ffn_hidden = 256", "param ffn_hidden = 14336", StringComparison.Ordinal));
        string[] layout = { "--hardware", "h100-sxm", "--gpus", "8", "--tp", "2", "--pp", "4", "--batch", "8", "--prompt", "1024", "--context", "4096", "--format", "json" };
        double Weights(JsonElement p) => p.GetProperty("memory").GetProperty("weights_gb").GetDouble();
        double target = Weights(Json(CliRunner.Run(["predict", "samples/llama-3-70b.moe", .. layout])));
        double drafter = Weights(Json(CliRunner.Run(["predict", draft, .. layout])));
        var both = Json(CliRunner.Run(["predict", "samples/llama-3-70b.moe", .. layout, "--speculative", "draft:" + draft, "--draft-tokens", "3", "--acceptance", "2.5"]));
        Assert.Equal(target + drafter, Weights(both), (target + drafter) * 1e-5);
        Assert.Equal(drafter, both.GetProperty("speculative").GetProperty("drafter_weights_gb").GetDouble(), drafter * 1e-9);
        Assert.Equal(332, both.GetProperty("max_batch").GetInt64());
    }
}
