using System.Linq;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Tests.Diagnostics;

/// <summary>Hints for a forgotten standard-library import and for Hugging Face config names used as block arguments.</summary>
public class HfNameHintTests
{
    private static string[] Errors(string source) =>
        Compiler.Compile(new SourceText("example.moe", source)).Diagnostics.Select(d => d.ToString()).ToArray();

    [Fact]
    public void Unknown_block_of_the_standard_library_suggests_its_import()
    {
        Assert.Equal(new[] { "example.moe:3:18: error GD0203: unknown block or op 'gated_ffn'; 'gated_ffn' is a block of the standard library: add import \"std/ffn\"" },
            Errors("model M {\n  input x: [batch, seq, 64]\n  output y = x + gated_ffn(x, 256)\n}\n"));
    }

    [Fact]
    public void Config_names_as_arguments_suggest_the_language_names()
    {
        Assert.Equal(new[] { "example.moe:4:37: error GD0204: 'attention' has no parameter named 'num_key_value_heads'; did you mean 'kv_heads'? ('num_key_value_heads' is the Hugging Face config's name)" },
            Errors("import \"std/attention\"\nmodel M {\n  input x: [batch, seq, 64]\n  output y = attention(x, heads: 4, num_key_value_heads: 2)\n}\n"));
        Assert.Contains("did you mean 'q_rank'? ('q_lora_rank' is the Hugging Face config's name)",
            Errors("import \"std/attention\"\nmodel M {\n  input x: [batch, seq, 64]\n  output y = mla(x, heads: 4, q_lora_rank: 32, kv_rank: 16, nope_dim: 8, rope_dim: 8, v_dim: 8)\n}\n").Single());
    }
}
