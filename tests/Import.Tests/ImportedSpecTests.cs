using System.IO;
using System.Linq;
using GraphDsl.Frontend.Formatting;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.TestSupport;

namespace GraphDsl.Import.Tests;

/// <summary>Every fixture imports, compiles, and is already in canonical format (fmt of it changes nothing); the
/// approximations each one needs are exactly the expected GD0829 warnings.</summary>
public class ImportedSpecTests
{
    public static TheoryData<string, string> Expected() => new()
    {
        { "Meta-Llama-3-8B", "" },
        { "Meta-Llama-3-70B", "" },
        { "Llama-3.1-8B", "" },
        { "Mistral-7B-v0.1", "" },
        { "Mixtral-8x7B-v0.1", "" },
        { "Qwen2-7B", "" },
        { "Qwen3-8B", "" },
        { "Qwen2-57B-A14B", "" },
        { "Qwen3-30B-A3B", "" },
        { "DeepSeek-V2", "topk_method,rope_scaling" },
        { "DeepSeek-V3", "rope_scaling" },
        { "Kimi-K2-Instruct", "rope_scaling" },
        { "gpt-oss-120b", "rope_scaling" },
        { "dbrx-base", "attn_config.clip_qkv" },
        { "OLMoE-1B-7B-0924", "model_type" },
        { "gemma-2-9b", "" },
        { "gemma-3-1b-pt", "" },
        { "Phi-3-mini-4k-instruct", "" },
        { "Phi-3.5-MoE-instruct", "rope_scaling,num_experts_per_tok" },
        { "Qwen3-Next-80B-A3B-Instruct", "" },
        { "Nemotron-H-8B-Base-8K", "" },
        { "AI21-Jamba-1.5-Mini", "" },
        { "Llama-4-Scout-17B-16E", "text_config.rope_scaling,text_config.attention_chunk_size,text_config.use_qk_norm,text_config.attn_temperature_tuning,text_config.num_local_experts" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Fixture_imports_compiles_and_is_formatted(string name, string gaps)
    {
        var result = Fixtures.Import(name);
        Assert.All(result.Diagnostics, d => Assert.Equal("GD0829", d.Id));
        Assert.Equal(gaps, string.Join(",", result.Diagnostics.Select(d => d.Message.Split(':')[0])));
        Fixtures.Compile(result.Spec!);
        var formatted = Formatter.Format(new SourceText("imported.moe", result.Spec!), new DiagnosticBag());
        Assert.Equal(result.Spec, formatted);
        Assert.Contains($"# Source: {name}/config.json, architecture ", result.Spec);
    }

    /// <summary>Nemotron-H: its hybrid_override_pattern as nested repeats (a unit of 11 layers four times, with its three
    /// Mamba-2/MLP pairs as an inner repeat, then four more pairs); state in the Mamba-2 layers, a KV cache in the four
    /// attention layers.</summary>
    [Fact]
    public void Nemotron_h_spec() => Snapshot.Verify(Fixtures.Import("Nemotron-H-8B-Base-8K").Spec!);

    /// <summary>Qwen3-Next: three gated DeltaNet layers and one gated-attention layer per group, MoE with a gated shared expert.</summary>
    [Fact]
    public void Qwen3_next_spec() => Snapshot.Verify(Fixtures.Import("Qwen3-Next-80B-A3B-Instruct").Spec!);

    /// <summary>Jamba: Mamba layers with an attention layer every 8 and MoE every other layer, as one group of 8.</summary>
    [Fact]
    public void Jamba_spec() => Snapshot.Verify(Fixtures.Import("AI21-Jamba-1.5-Mini").Spec!);

    /// <summary>The spec of Llama 3.1 8B as written (rope scaling as llama3 with its factor), for review.</summary>
    [Fact]
    public void Llama_3_1_spec() => Snapshot.Verify(Fixtures.Import("Llama-3.1-8B").Spec!);

    /// <summary>gpt-oss: the sliding/full pair is one repeat group; the checkpoint's MXFP4 experts are a comment.</summary>
    [Fact]
    public void Gpt_oss_spec() => Snapshot.Verify(Fixtures.Import("gpt-oss-120b").Spec!);

    /// <summary>Gemma 3: five local layers and a global one per group, and the two layers after the last group.</summary>
    [Fact]
    public void Gemma_3_spec() => Snapshot.Verify(Fixtures.Import("gemma-3-1b-pt").Spec!);

    /// <summary>DeepSeek-V3: dense then MoE layers, and the MTP module as a part.</summary>
    [Fact]
    public void DeepSeek_v3_spec() => Snapshot.Verify(Fixtures.Import("DeepSeek-V3").Spec!);

    [Fact]
    public void Verbose_lists_the_ignored_fields()
    {
        var result = Fixtures.Import("Meta-Llama-3-8B");
        Assert.Equal(new[] { "attention_dropout", "bos_token_id", "eos_token_id", "initializer_range", "max_position_embeddings",
            "model_type", "pretraining_tp", "transformers_version", "use_cache" }, result.IgnoredFields.OrderBy(x => x, System.StringComparer.Ordinal));
    }
}
