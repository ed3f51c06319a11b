using System.Linq;

namespace GraphDsl.Cli.Tests;

/// <summary>The format flags as a user meets them: the formats help lists, and the exact diagnostic and exit code for a
/// format no role accepts, whether it comes as a flag, in a sweep's list, as a quantize option or to place.</summary>
[Collection(nameof(CliCollection))]
public class FormatOptionTests
{
    private const string WeightChoices = "keep, bf16, f16, fp8, fp8-e4m3, fp8_e4m3, fp8-e5m2, fp8_e5m2, int8, int4, mxfp4, mxfp8, nvfp4";
    private const string KvChoices = "keep, bf16, f16, fp8, fp8-e4m3, fp8_e4m3, fp8-e5m2, fp8_e5m2, int8, int4";

    [Theory]
    [InlineData("predict")]
    [InlineData("sweep")]
    [InlineData("compare")]
    public void Help_lists_the_common_formats_of_each_role(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        string lists = command == "sweep" ? ", comma-separated" : "";
        Assert.Contains($"weight format: keep, bf16, fp8, int8, int4, mxfp4, nvfp4{lists} [default: keep]", r.Out);
        Assert.Contains($"KV-cache format: keep, bf16, fp8, int8{lists} [default: keep]", r.Out);
    }

    [Fact]
    public void Place_help_lists_the_weight_formats() =>
        Assert.Contains("expert weight format: keep, bf16, fp8, int8, int4, mxfp4, nvfp4 [default: keep]", CliRunner.Run("place", "--help").Out);

    [Theory]
    [InlineData("--weights", "fp3", "graphdsl: error GD0802: --weights: 'fp3' is not one of " + WeightChoices + "; did you mean 'fp8'?")]
    [InlineData("--kv", "nvfp4", "graphdsl: error GD0802: --kv: 'nvfp4' is not one of " + KvChoices)]
    [InlineData("--kv", "fp16", "graphdsl: error GD0802: --kv: 'fp16' is not one of " + KvChoices + "; did you mean 'f16'?")]
    [InlineData("--passes", "quantize{weights=fp3}",
        "<pipeline>:1:1: error GD0504: option 'weights' of pass 'quantize': 'fp3' is not one of " + WeightChoices + "; did you mean 'fp8'?")]
    [InlineData("--passes", "quantize{activations=int8}",
        "<pipeline>:1:1: error GD0504: option 'activations' of pass 'quantize': 'int8' is not one of keep, bf16, fp8, fp8-e4m3, fp8_e4m3, fp8-e5m2, fp8_e5m2")]
    public void Predict_refuses_an_unknown_format_as_a_usage_error(string option, string value, string message)
    {
        var r = CliRunner.Run("predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(message, r.Err.TrimEnd());
    }

    [Fact]
    public void Sweep_reports_each_unknown_format_of_a_list()
    {
        var r = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--weights", "fp8,fp3,int2");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(new[]
        {
            "graphdsl: error GD0802: --weights: 'fp3' is not one of " + WeightChoices + "; did you mean 'fp8'?",
            "graphdsl: error GD0802: --weights: 'int2' is not one of " + WeightChoices + "; did you mean 'int4'?",
        }, r.Err.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')));
    }

    /// <summary>place reads --weights as predict does: element types that are no weight format (f32, i32, e4m3 spelled
    /// as the IR's type) are refused like a typo.</summary>
    [Theory]
    [InlineData("fp3")]
    [InlineData("f32")]
    [InlineData("i32")]
    public void Place_refuses_what_is_not_a_weight_format_before_reading_a_file(string format)
    {
        var r = CliRunner.Run("place", "samples/deepseek-v3.moe", "--stats", "no-such-stats.json", "--weights", format);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"graphdsl: error GD0802: --weights '{format}': expected keep or a weight format (bf16, fp8, int8, int4, mxfp4, nvfp4)", r.Err.TrimEnd());
    }
}
