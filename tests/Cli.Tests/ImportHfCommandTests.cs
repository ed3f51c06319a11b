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
        var path = tree.File("jamba/config.json", "{\n  \"architectures\": [\"JambaForCausalLM\"]\n}\n");
        var r = CliRunner.Run("import", "hf", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(":2:21: error GD0827: cannot import architecture 'JambaForCausalLM'", r.Err);
        Assert.Contains("  \"architectures\": [\"JambaForCausalLM\"]", r.Err);
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
