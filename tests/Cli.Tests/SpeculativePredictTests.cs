using System.Text.Json;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>predict --speculative: the per-token time is the speculative step over the tokens it keeps, the drafter's
/// weights and KV count in memory, and every incomplete or contradictory request is a usage error.</summary>
[Collection(nameof(CliCollection))]
public class SpeculativePredictTests
{
    private static readonly string[] DeepSeek =
        { "predict", "samples/deepseek-v3.moe", "--hardware", "h200-sxm", "--gpus", "8", "--tp", "8", "--ep", "8", "--weights", "fp8",
          "--batch", "4", "--prompt", "1024", "--context", "2048", "--format", "json" };

    private static JsonElement Json(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Err);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    /// <summary>--model DeepSeekV3Mtp priced DeepSeek-V3's multi-token-prediction module as a model of its own (a decoder
    /// of one layer serving requests). A part (<c>model NAME for TARGET</c>) only drafts for its model: every command that
    /// prices a served model refuses it as a usage error and says what to ask instead.
    /// (compare has no --model.)</summary>
    [Theory]
    [InlineData("predict")]
    [InlineData("sweep")]
    [InlineData("serve", "--workload", "poisson:rate=1,prompt=128,output=16")]
    [InlineData("plan", "--workload", "poisson:rate=1,prompt=128,output=16", "--slo", "tpot=100")]
    public void Selecting_the_mtp_part_as_the_model_is_a_usage_error(string command, params string[] rest)
    {
        var r = CliRunner.Run([command, "samples/deepseek-v3.moe", "--model", "DeepSeekV3Mtp", "--hardware", "h200-sxm", "--gpus", "8", .. rest]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal("graphdsl: error GD0858: --model DeepSeekV3Mtp: DeepSeekV3Mtp is the multi-token-prediction module of DeepSeekV3 ('model DeepSeekV3Mtp for DeepSeekV3'), "
            + "which runs only as DeepSeekV3's drafter; price DeepSeekV3 with --speculative mtp:K instead", r.Err.Trim());
    }

    [Fact]
    public void Mtp_time_per_token_is_the_step_over_its_acceptance_and_its_layer_counts_in_memory()
    {
        var plain = Json(DeepSeek);
        var spec = Json([.. DeepSeek, "--speculative", "mtp:2", "--acceptance", "2.4"]);
        var s = spec.GetProperty("speculative");
        double step = s.GetProperty("step_ms").GetDouble(), tpot = spec.GetProperty("decode").GetProperty("tpot_ms").GetDouble();
        Assert.Equal(step / 2.4, tpot, 9);
        Assert.Equal(s.GetProperty("draft_ms").GetDouble() + s.GetProperty("verify_ms").GetDouble(), step, 9);
        // The plain step is unchanged and reported beside it; the verify pass over 3 positions costs at least the plain step.
        double plainStep = plain.GetProperty("decode").GetProperty("tpot_ms").GetDouble();
        Assert.Equal(plainStep, spec.GetProperty("decode").GetProperty("step_ms").GetDouble(), 9);
        Assert.True(s.GetProperty("verify_ms").GetDouble() >= plainStep);
        Assert.Equal(4 * 1e3 / tpot, spec.GetProperty("decode").GetProperty("tokens_per_s").GetDouble(), 6);
        Assert.True(s.GetProperty("speedup").GetDouble() is > 1 and < 2.4);
        // DeepSeek-V3's MTP module adds 11.5B parameters of its own (DeepSeek-V3 report, section 2.2 and its model card:
        // 685B = 671B + 14B with the embedding and head shared): FP8 over 8 GPUs is about 1.44 GB each.
        double drafter = s.GetProperty("drafter_weights_gb").GetDouble();
        Assert.InRange(drafter, 1.44 * 0.95, 1.44 * 1.10);
        Assert.Equal(plain.GetProperty("memory").GetProperty("weights_gb").GetDouble() + drafter, spec.GetProperty("memory").GetProperty("weights_gb").GetDouble(), 6);
        // One more MLA layer caches 576 BF16 values per token, the same on every GPU.
        Assert.Equal(1152, s.GetProperty("drafter_kv_bytes_per_token").GetDouble());
    }

    /// <summary>A model whose file declares no MTP module has none to draft with: no module is made up for it.</summary>
    [Fact]
    public void Mtp_needs_the_module_the_file_declares()
    {
        var r = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "4", "--batch", "8",
            "--speculative", "mtp:2", "--acceptance", "2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0802: --speculative mtp: 'samples/llama-3-70b.moe' declares no multi-token-prediction module for Llama3_70B (a 'model NAME for Llama3_70B' in the file)", r.Err);
    }

    /// <summary>With pipeline stages the module runs whole on the last stage, beside the head it shares; the embedding is
    /// on the first stage, so the module needs its own copy there: BF16 129280 x 7168 split over tp=8.</summary>
    [Fact]
    public void Mtp_runs_on_the_last_pipeline_stage_and_shares_only_what_that_stage_holds()
    {
        double Drafter(int pp) => Json("predict", "samples/deepseek-v3.moe", "--hardware", "h200-sxm", "--gpus", (8 * pp).ToString(), "--tp", "8",
            "--pp", pp.ToString(), "--ep", "8", "--weights", "fp8", "--batch", "4", "--prompt", "1024", "--context", "2048",
            "--speculative", "mtp:2", "--acceptance", "2.4", "--format", "json").GetProperty("speculative").GetProperty("drafter_weights_gb").GetDouble();
        Assert.Equal(129280.0 * 7168 * 2 / 8 / 1e9, Drafter(2) - Drafter(1), 9);
    }

    [Fact]
    public void Speculation_that_keeps_only_the_target_token_is_slower_than_plain_decoding()
    {
        var s = Json([.. DeepSeek, "--speculative", "mtp:1", "--acceptance", "1"]).GetProperty("speculative");
        Assert.True(s.GetProperty("speedup").GetDouble() < 1);
    }

    [Fact]
    public void A_draft_model_runs_on_the_same_deployment_and_its_weights_and_cache_count()
    {
        var spec = Json("predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "4", "--tp", "4", "--batch", "8",
            "--prompt", "1024", "--context", "2048", "--speculative", "draft:samples/llama-3-8b.moe", "--draft-tokens", "4", "--acceptance", "3", "--format", "json");
        var s = spec.GetProperty("speculative");
        Assert.Equal("draft", s.GetProperty("method").GetString());
        // Llama-3-8B: 8.03B BF16 parameters over tp=4, and 32 layers x 8 KV heads x 128 x (K, V) x 2 bytes over tp=4 per token.
        Assert.InRange(s.GetProperty("drafter_weights_gb").GetDouble(), 8.03 * 2 / 4 * 0.98, 8.03 * 2 / 4 * 1.02);
        Assert.Equal(32 * 8 * 128 * 2 * 2 / 4, s.GetProperty("drafter_kv_bytes_per_token").GetDouble());
        Assert.Equal(s.GetProperty("step_ms").GetDouble() / 3, spec.GetProperty("decode").GetProperty("tpot_ms").GetDouble(), 9);
    }

    [Theory]
    [InlineData("--acceptance 2", "--acceptance is given without --speculative")]
    [InlineData("--speculative mtp:2", "--speculative mtp:2 needs --acceptance: the mean tokens kept per step (from 1 to K + 1) that the engine reports for this model and traffic")]
    [InlineData("--speculative mtp:2 --acceptance 4", "--speculative: the acceptance (mean tokens kept per step) must be from 1 to K + 1 = 3, found 4")]
    [InlineData("--speculative mtp:0 --acceptance 1", "--speculative mtp:0: K, the draft tokens per step, must be a whole number from 1 to 16")]
    [InlineData("--speculative mtp:x --acceptance 1", "--speculative mtp:x: K, the draft tokens per step, must be a whole number from 1 to 16")]
    [InlineData("--speculative eagle:2 --acceptance 2", "--speculative: 'eagle:2' is not mtp:K (the model's multi-token-prediction module) or draft:FILE.moe (a draft model)")]
    [InlineData("--speculative draft:samples/llama-3-8b.moe --acceptance 2", "--speculative draft:samples/llama-3-8b.moe needs --draft-tokens K, the tokens the draft model proposes per step")]
    [InlineData("--speculative draft: --draft-tokens 2 --acceptance 2", "--speculative draft: names no draft model file (draft:FILE.moe)")]
    [InlineData("--speculative draft:samples/llama-3-8b.moe --draft-tokens 20 --acceptance 2", "--draft-tokens must be from 1 to 16, found 20")]
    [InlineData("--speculative draft:samples/llama-3-8b.moe --draft-tokens 2 --acceptance 3.5", "--speculative: the acceptance (mean tokens kept per step) must be from 1 to K + 1 = 3, found 3.5")]
    [InlineData("--speculative mtp:2 --acceptance 2 --draft-tokens 2", "--draft-tokens is for --speculative draft:FILE.moe; mtp:K gives its draft tokens itself")]
    [InlineData("--draft-tokens 2", "--draft-tokens is given without --speculative draft:FILE.moe")]
    public void Incomplete_or_contradictory_speculation_is_a_usage_error(string flags, string message)
    {
        var r = CliRunner.Run([.. DeepSeek, .. flags.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0802: " + message, r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Formats_the_device_cannot_compute_are_named_in_the_table_and_the_json()
    {
        string[] args = { "predict", "samples/llama-3-8b.moe", "--hardware", "mi300x", "--gpus", "1", "--weights", "nvfp4", "--batch", "1", "--prompt", "128", "--context", "256" };
        var table = CliRunner.Run(args);
        Assert.True(table.ExitCode == 0, table.Err);
        Assert.Contains("fp4 weights emulated in fp8 (no fp4 math on mi300x: dequantized)", table.Out.Replace("\n", " "));
        var json = Json([.. args, "--format", "json"]);
        Assert.Equal("fp4 weights emulated in fp8 (no fp4 math on mi300x: dequantized)", Assert.Single(json.GetProperty("emulated").EnumerateArray()).GetString());
    }
}
