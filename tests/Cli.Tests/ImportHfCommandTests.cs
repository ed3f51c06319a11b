using System.IO;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary><c>graphdsl import hf</c> end to end: a folder in, a spec out that <c>fmt --check</c> accepts and <c>stats</c>
/// compiles; ModelOpt's hf_quant_config.json read beside it; -v; exit codes.</summary>
[Collection(nameof(CliCollection))]
public class ImportHfCommandTests
{
    private static string Fixture(string name) => Path.Combine(Repo.Root, "tests", "Import.Tests", "Fixtures", name);

    [Fact]
    public void Writes_a_formatted_spec_that_compiles()
    {
        using var tree = new TempTree();
        var spec = tree.PathOf("llama.moe");
        var r = CliRunner.Run("import", "hf", Fixture("Llama-3.1-8B"), "-o", spec);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(0, CliRunner.Run("fmt", "--check", spec).ExitCode);
        var stats = CliRunner.Run("stats", spec, "--format", "json");
        Assert.True(stats.ExitCode == 0, stats.All);
        Assert.Contains("\"total\": 8030261248", stats.Out);
    }

    /// <summary>Issue 18's "done means": a hybrid at 128k against a pure-attention model of its size. Nemotron-H-8B caches
    /// keys and values in 4 of its 52 layers (an eighth of Llama 3.1 8B's 32), holds a constant 102 MB of Mamba-2 state per
    /// sequence, fits more sequences and decodes faster at the same batch.</summary>
    [Fact]
    public void A_hybrid_at_128k_holds_an_eighth_of_the_kv_cache_and_a_constant_state()
    {
        using var tree = new TempTree();
        System.Text.Json.JsonElement Predict(string fixture)
        {
            var spec = tree.PathOf(fixture + ".moe");
            Assert.Equal(0, CliRunner.Run("import", "hf", Fixture(fixture), "-o", spec).ExitCode);
            var r = CliRunner.Run("predict", spec, "--hardware", "h100-sxm", "--gpus", "1", "--batch", "3", "--prompt", "4096", "--context", "131072", "--format", "json");
            Assert.True(r.ExitCode == 0, r.All);
            return System.Text.Json.JsonDocument.Parse(r.Out).RootElement.Clone();
        }
        var llama = Predict("Llama-3.1-8B");
        var hybrid = Predict("Nemotron-H-8B-Base-8K");
        double Kv(System.Text.Json.JsonElement p) => p.GetProperty("memory").GetProperty("kv_gb_per_sequence").GetDouble();
        // 32 layers x 8 KV heads x 128 x 2 (k, v) x 2 B x 131072 tokens, and 4 attention layers of the same shape.
        Assert.Equal(32.0 * 8 * 128 * 2 * 2 * 131072 / 1e9, Kv(llama), 9);
        Assert.Equal(Kv(llama) / 8, Kv(hybrid), 9);
        Assert.False(llama.GetProperty("memory").TryGetProperty("state_gb_per_sequence", out _));
        // 24 Mamba-2 layers: 128 heads x 64 x 128 f32, and the convolution's 3 inputs of 8192 + 2 x 8 x 128 channels in bf16.
        Assert.Equal(24.0 * (128 * 64 * 128 * 4 + 3 * (8192 + 2 * 8 * 128) * 2) / 1e9, hybrid.GetProperty("memory").GetProperty("state_gb_per_sequence").GetDouble(), 9);
        Assert.True(hybrid.GetProperty("max_batch").GetInt64() > 8 * llama.GetProperty("max_batch").GetInt64());
        Assert.True(hybrid.GetProperty("decode").GetProperty("tpot_ms").GetDouble() < llama.GetProperty("decode").GetProperty("tpot_ms").GetDouble() / 2);
    }

    [Fact]
    public void Reads_hf_quant_config_beside_the_config_and_lists_ignored_fields()
    {
        using var tree = new TempTree();
        tree.File("Llama-3-8B-FP8/config.json", File.ReadAllText(Path.Combine(Fixture("Meta-Llama-3-8B"), "config.json")));
        tree.File("Llama-3-8B-FP8/hf_quant_config.json",
            "{\"producer\": {\"name\": \"modelopt\", \"version\": \"0.19.0\"}, \"quantization\": {\"quant_algo\": \"FP8\", \"kv_cache_quant_algo\": \"FP8\"}}");
        var r = CliRunner.Run("import", "hf", tree.PathOf("Llama-3-8B-FP8"), "-v");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("# Checkpoint format: hf_quant_config.json: quant_algo FP8, kv_cache_quant_algo FP8 (graphdsl: --weights fp8 --kv fp8).", r.Out);
        Assert.Contains("model Llama_3_8B_FP8 {", r.Out);
        Assert.Contains("graphdsl: note: ignored (they do not change the computation): attention_dropout, bos_token_id,", r.Err);
    }

    [Fact]
    public void A_refused_architecture_exits_1_with_the_line()
    {
        using var tree = new TempTree();
        var path = tree.File("minimax/config.json", "{\n  \"architectures\": [\"MiniMaxM1ForCausalLM\"]\n}\n");
        var r = CliRunner.Run("import", "hf", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(":2:21: error GD0827: cannot import architecture 'MiniMaxM1ForCausalLM'", r.Err);
        Assert.Contains("  \"architectures\": [\"MiniMaxM1ForCausalLM\"]", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_missing_config_is_GD0801()
    {
        using var tree = new TempTree();
        var r = CliRunner.Run("import", "hf", tree.Folder("empty"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0801: cannot read '", r.Err);
    }

    /// <summary>A FIFO named as the config is refused before it is opened (InputFile), so the command never blocks.</summary>
    [UnixFact]
    public void A_fifo_is_refused_without_blocking()
    {
        using var tree = new TempTree();
        var fifo = tree.Fifo("model/config.json");
        var r = CliRunner.Run("import", "hf", fifo);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0801: cannot read '", r.Err);
        Assert.Contains("FIFO", r.Err);
    }
}
