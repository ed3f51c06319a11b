using GraphDsl.Cli.Native;

namespace GraphDsl.Cli.Tests;

/// <summary>The native binary hands a <c>run</c> command line whole to the JIT build before parsing it, so that
/// <c>run --help</c> prints the real options (the native build itself is published by CI, too slow for a unit test;
/// this is the decision it acts on).</summary>
public sealed class JitHandOffTests
{
    private static string[] Words(string line) => line.Split(' ', System.StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData("run --help", "--help")]
    [InlineData("run -h", "-h")]
    [InlineData("run", "")]
    [InlineData("run samples/tiny-moe.moe --weights w.safetensors --prompt-tokens 1,2,3 --check", "samples/tiny-moe.moe --weights w.safetensors --prompt-tokens 1,2,3 --check")]
    public void A_run_command_line_goes_to_the_jit_build_whole(string line, string handedOff) =>
        Assert.Equal(Words(handedOff), JitHandOff.RunArguments(Words(line)));

    [Theory]
    [InlineData("--help")]
    [InlineData("predict samples/tiny-moe.moe run")]
    [InlineData("help run")]
    [InlineData("")]
    public void Anything_else_is_parsed_here(string line) => Assert.Null(JitHandOff.RunArguments(Words(line)));

    /// <summary>What the hand-off shows for <c>run --help</c>: the JIT build's own options, not a stand-in's.</summary>
    [Fact]
    public void The_jit_builds_run_help_lists_the_real_options()
    {
        var r = CliRunner.Run("run", "--help");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("--prompt-tokens", r.Out);
        Assert.Contains("--max-new", r.Out);
        Assert.DoesNotContain("jit/graphdsl.dll", r.Out);
    }
}
