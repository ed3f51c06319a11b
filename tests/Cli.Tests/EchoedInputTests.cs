using System.Linq;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// Diagnostics echoed hostile command-line text in full: a 1 MB --model name or a whole --prompt-tokens list, once per
/// diagnostic. Each echoed argument is now bounded (EchoedText): its start and end around an ellipsis with its length.
/// </summary>
[Collection(nameof(CliCollection))]
public class EchoedInputTests
{
    [Fact]
    public void A_long_prompt_token_list_is_echoed_as_its_start_and_end_with_the_reason_kept()
    {
        var list = string.Join(",", Enumerable.Repeat("7", 100_000)) + ",x";
        var r = CliRunner.Run("run", "samples/tiny-dense.moe", "--weights", "none.safetensors", "--prompt-tokens", list);
        Assert.True(r.ExitCode == 2, r.All);
        var message = $"--prompt-tokens '{list}': 'x' is not a token id (a non-negative integer)";
        Assert.Equal(200_067, message.Length);
        Assert.Equal("graphdsl: error GD0802: " + message[..240] + "...[200067 characters in all]..." + message[^120..], r.Err.Trim());
        Assert.EndsWith(",7,7,x': 'x' is not a token id (a non-negative integer)", r.Err.Trim());
        Assert.True(r.Err.Length < 500, $"{r.Err.Length} characters");
    }

    [Fact]
    public void A_megabyte_model_name_prints_a_few_hundred_characters()
    {
        var name = "M" + new string('m', 1 << 20);
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--model", name, "--hardware", "h100-sxm");
        Assert.True(r.ExitCode == 1, r.All);
        Assert.Contains("'M" + new string('m', 239) + "...[1048577 characters in all]..." + new string('m', 120) + "'", r.Err);
        Assert.True(r.Err.Length < 2000, $"{r.Err.Length} characters");
    }
}
