using System.IO;
using System.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Import.Tests;

/// <summary>Bad or unsupported configs: a located diagnostic with its exact text, and no spec.</summary>
public class ImportDiagnosticTests
{
    private static string[] Errors(string json, string? file = null)
    {
        using var tree = new TempTree();
        var path = tree.File(file ?? "model/config.json", json);
        var result = HfImporter.Import(path);
        Assert.Null(result.Spec);
        return result.Diagnostics.Select(d => d.ToString().Replace(tree.Root + Path.DirectorySeparatorChar, "")).ToArray();
    }

    [Fact]
    public void Unmapped_hybrid_architectures_are_refused_naming_what_they_need()
    {
        Assert.Equal(new[] { "model/config.json:1:20: error GD0827: cannot import architecture 'MiniMaxM1ForCausalLM': its lightning attention layers (linear attention with a fixed decay per head and no delta rule) are not mapped yet (issue 18, item 2)" },
            Errors("{\"architectures\": [\"MiniMaxM1ForCausalLM\"], \"hidden_size\": 4096}"));
    }

    /// <summary>Nemotron-H's layer pattern must name every layer with a known kind.</summary>
    [Fact]
    public void A_nemotron_h_pattern_of_the_wrong_length_or_kind_is_refused_at_the_field()
    {
        const string head = "{\"architectures\": [\"NemotronHForCausalLM\"], \"hidden_size\": 64, \"mamba_num_heads\": 2, \"mamba_head_dim\": 64, \"vocab_size\": 100, ";
        Assert.Equal(new[] { "model/config.json:1:178: error GD0828: config field 'hybrid_override_pattern' has 3 layers, but num_hidden_layers is 4; nothing was written, since the spec could be wrong" },
            Errors(head + "\"num_hidden_layers\": 4, \"hybrid_override_pattern\": \"M-*\"}"));
        Assert.Equal(new[] { "model/config.json:1:178: error GD0828: config field 'hybrid_override_pattern' has 'E' at layer 1; known: 'M' (Mamba-2), '*' (attention), '-' (MLP); the MoE layers of Nemotron 3 are not mapped yet; nothing was written, since the spec could be wrong" },
            Errors(head + "\"num_hidden_layers\": 3, \"hybrid_override_pattern\": \"ME*\"}"));
    }

    [Fact]
    public void Unknown_architecture_suggests_a_known_one()
    {
        var e = Errors("{\"architectures\": [\"LLamaForCausalLM\"]}").Single();
        Assert.StartsWith("model/config.json:1:20: error GD0827: cannot import architecture 'LLamaForCausalLM': the importer does not know it; did you mean 'LlamaForCausalLM'?; known: LlamaForCausalLM, ", e);
    }

    [Fact]
    public void A_field_nobody_understands_stops_the_import()
    {
        var errors = Errors(Fixture("Meta-Llama-3-8B", "\"vocab_size\": 128256", "\"vocab_size\": 128256,\n  \"residual_multiplier\": 0.5"));
        Assert.Equal(new[] { "model/config.json:27:3: error GD0828: config field 'residual_multiplier' is not understood for LlamaForCausalLM; it may change the model; nothing was written, since the spec could be wrong" }, errors);
    }

    [Fact]
    public void A_value_the_language_cannot_take_is_located()
    {
        Assert.Equal(new[] { "model/config.json:1:126: error GD0828: config field 'hidden_act' is \"softplus\", an activation the language does not have (known: silu, gelu, gelu_pytorch_tanh, relu, relu2); nothing was written, since the spec could be wrong" },
            Errors("{\"architectures\": [\"MistralForCausalLM\"], \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"hidden_act\": \"softplus\"}"));
    }

    [Fact]
    public void Bad_json_and_wrong_types_are_located()
    {
        Assert.Equal(new[] { "model/config.json:2:17: error GD0826: invalid config 'model/config.json': '}' is invalid after a property name. Expected a ':'" },
            Errors("{\n  \"hidden_size\" }").Select(Scrub).ToArray());
        Assert.Equal(new[] { "model/config.json:1:56: error GD0826: invalid config 'model/config.json': 'hidden_size' must be a whole number, not the string \"big\"" },
            Errors("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": \"big\"}").Select(Scrub).ToArray());
        Assert.Equal(new[] { "model/config.json:1:1: error GD0826: invalid config 'model/config.json': the file holds a list, not an object" },
            Errors("[1, 2]").Select(Scrub).ToArray());
    }

    /// <summary>The model is named after the folder; a folder named like a keyword ('model', as
    /// <c>huggingface-cli download --local-dir model</c> makes) wrote <c>model model {</c>, which the importer's own
    /// formatter refused: GD0899 "internal error ... unexpected 'model'; expected a name".</summary>
    [Theory]
    [InlineData("Llama-3.1-8B", "model", "model model_ {")]
    [InlineData("DeepSeek-V3", "repeat", "model repeat_Mtp for repeat_ {")]
    public void A_folder_named_like_a_keyword_names_the_model_apart(string fixture, string folder, string declaration)
    {
        using var tree = new TempTree();
        var path = tree.File(folder + "/config.json", File.ReadAllText(Path.Combine(Fixtures.Folder(fixture), "config.json")));
        var result = HfImporter.Import(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("\n" + declaration + "\n", result.Spec);
        Assert.True(Fixtures.Compile(result.Spec!).Module is not null);
    }

    /// <summary>Fields that contradict one another where no one field is wrong wrote a spec with exit 0 that failed its
    /// first check; the importer compiles the spec and refuses it at the config, naming the compiler's first error.</summary>
    [Theory]
    [InlineData("\"vocab_size\": 128, \"num_key_value_heads\": 64", "line 23 of the spec: GD0305: query heads (@heads) is not divisible by kv heads (@kv_heads)")]
    [InlineData("\"vocab_size\": 128, \"num_key_value_heads\": 3", "line 23 of the spec: GD0305: query heads (@heads) is not divisible by kv heads (@kv_heads)")]
    [InlineData("\"vocab_size\": 140737488355328", "line 20 of the spec: GD0316: weight 'table' has 9.007E+015 elements; the limit is 281474976710656")]
    public void Fields_that_contradict_one_another_are_refused(string field, string error) =>
        Assert.Equal(new[] { $"model/config.json:1:1: error GD0826: invalid config 'model/config.json': its values give a spec that does not compile ({error}); nothing was written" },
            Errors("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64, \"num_attention_heads\": 32, \"num_hidden_layers\": 2, "
                + "\"intermediate_size\": 128, " + field + "}").Select(Scrub).ToArray());

    /// <summary>Hostile sizes and nesting end as diagnostics before anything large is built.</summary>
    [Fact]
    public void Hostile_configs_are_bounded()
    {
        Assert.Equal(new[] { "model/config.json:1:107: error GD0828: config field 'num_hidden_layers' is 1000000000; it must be between 1 and 4096; nothing was written, since the spec could be wrong" },
            Errors("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 1000000000}"));
        var deep = new string('[', 100) + new string(']', 100);
        Assert.Contains("error GD0826: invalid config", Errors("{\"architectures\": " + deep + "}").Single());
        Assert.Contains("'rms_norm_eps' must be a finite number, not the number 1e999",
            Errors("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"rms_norm_eps\": 1e999}").Single());
    }

    /// <summary>A size of 0 or below (vocab_size -5, intermediate_size 0, head_dim -1) used to write a spec that does not
    /// compile, with exit 0; it is refused at the field.</summary>
    [Theory]
    [InlineData("\"vocab_size\": -5", "model/config.json:1:150: error GD0828: config field 'vocab_size' is -5; it must be at least 1; nothing was written, since the spec could be wrong")]
    [InlineData("\"vocab_size\": 0", "model/config.json:1:150: error GD0828: config field 'vocab_size' is 0; it must be at least 1; nothing was written, since the spec could be wrong")]
    [InlineData("\"vocab_size\": 128, \"head_dim\": -1", "model/config.json:1:167: error GD0828: config field 'head_dim' is -1; it must be at least 1; nothing was written, since the spec could be wrong")]
    public void Sizes_below_one_are_refused(string field, string error) =>
        Assert.Equal(new[] { error }, Errors("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, "
            + "\"intermediate_size\": 128, " + field + "}"));

    /// <summary>A sliding window of 0 or below (transformers' eager and SDPA masks then let a token see no key, flash
    /// attention's window - 1 = -1 is unbounded) was imported as full attention without a word, and a negative rope_theta
    /// was written into the spec; both are refused at the field.</summary>
    [Theory]
    [InlineData("\"sliding_window\": 4096", "\"sliding_window\": 0", "model/config.json:18:21: error GD0828: config field 'sliding_window' is 0; a sliding window holds at least 1 token (null means no window); nothing was written, since the spec could be wrong")]
    [InlineData("\"sliding_window\": 4096", "\"sliding_window\": -4", "model/config.json:18:21: error GD0828: config field 'sliding_window' is -4; a sliding window holds at least 1 token (null means no window); nothing was written, since the spec could be wrong")]
    [InlineData("\"rope_theta\": 10000.0", "\"rope_theta\": -10000.0", "model/config.json:17:17: error GD0828: config field 'rope_theta' is -10000; a RoPE base must be positive; nothing was written, since the spec could be wrong")]
    [InlineData("\"rope_theta\": 10000.0", "\"rope_theta\": 0", "model/config.json:17:17: error GD0828: config field 'rope_theta' is 0; a RoPE base must be positive; nothing was written, since the spec could be wrong")]
    public void A_window_or_rope_base_below_one_token_or_zero_is_refused(string field, string written, string error) =>
        Assert.Equal(new[] { error }, Errors(Fixture("Mistral-7B-v0.1", field, written)));

    /// <summary>What transformers reads as no window imports as full attention: a null sliding_window (Mistral v0.2 on),
    /// and a Qwen2 window, whatever its value, while use_sliding_window is false.</summary>
    [Theory]
    [InlineData("Mistral-7B-v0.1", "\"sliding_window\": 4096", "\"sliding_window\": null")]
    [InlineData("Qwen2-7B", "\"sliding_window\": 131072", "\"sliding_window\": 0")]
    public void A_window_transformers_does_not_apply_imports_as_full_attention(string fixture, string field, string written)
    {
        using var tree = new TempTree();
        var result = HfImporter.Import(tree.File("model/config.json", Fixture(fixture, field, written)));
        Assert.True(result.Spec is not null, string.Join("\n", result.Diagnostics));
        Assert.DoesNotContain("window", result.Spec);
    }

    /// <summary>A Mistral config without sliding_window runs with transformers' MistralConfig default, 4,096 tokens (it had
    /// been imported as full attention); one that writes null has no window.</summary>
    [Fact]
    public void A_mistral_config_without_a_window_takes_transformers_default_of_4096()
    {
        using var omittedTree = new TempTree();
        using var writtenTree = new TempTree();
        var omitted = HfImporter.Import(omittedTree.File("model/config.json", Fixture("Mistral-7B-v0.1", "\"sliding_window\": 4096,", "")));
        var written = HfImporter.Import(writtenTree.File("model/config.json", File.ReadAllText(Path.Combine(Fixtures.Folder("Mistral-7B-v0.1"), "config.json"))));
        Assert.True(omitted.Spec is not null && written.Spec is not null, string.Join("\n", omitted.Diagnostics.Concat(written.Diagnostics)));
        Assert.Contains("4096", omitted.Spec);
        Assert.Equal(written.Spec, omitted.Spec);
    }

    /// <summary>A fixture's config.json with one field rewritten (which must be there as given).</summary>
    private static string Fixture(string name, string field, string written)
    {
        var config = File.ReadAllText(Path.Combine(Fixtures.Folder(name), "config.json"));
        Assert.Contains(field, config);
        return config.Replace(field, written);
    }

    /// <summary>The diagnostic names the config by the path given; the tests give absolute paths, so that part is scrubbed.</summary>
    private static string Scrub(string e)
    {
        var i = e.IndexOf("invalid config '", System.StringComparison.Ordinal);
        if (i < 0) return e;
        var start = i + "invalid config '".Length;
        var end = e.IndexOf('\'', start);
        return e.Substring(0, start) + "model/config.json" + e.Substring(end);
    }
}
