namespace GraphDsl.Cli.Tests;

/// <summary>calibrate's command line is checked before the data is read. An unknown engine family used to read as "0
/// calibration points cannot identify 1 constants" (exit 1), an unknown --start as "unknown constant(s)  or profile"
/// naming nothing, an empty --free fitted nothing and exited 0, and a constant given twice was fitted as one.</summary>
[Collection(nameof(CliCollection))]
public class CalibrateCommandTests
{
    private const string Constants = "eta_gemm, eta_grouped_gemm, eta_attention, eta_hbm, eta_link, dequant_ops, kernel_us, collective_us, ttft_overhead_us, step_us";

    [Theory]
    [InlineData(new[] { "--engine", "vlm", "--free", "eta_hbm" }, "graphdsl: error GD0649: --engine 'vlm' is not an engine family; families: gpt-fast, trtllm, fastertransformer, vllm, sglang; did you mean 'vllm'?")]
    [InlineData(new[] { "--engine", "vllm", "--free", ",," }, "graphdsl: error GD0649: --free names no constant to fit; constants: " + Constants)]
    [InlineData(new[] { "--engine", "vllm", "--free", "eta_hmb" }, "graphdsl: error GD0649: --free: unknown constant 'eta_hmb'; constants: " + Constants + "; did you mean 'eta_hbm'?")]
    [InlineData(new[] { "--engine", "vllm", "--free", "eta_hbm,eta_hbm" }, "graphdsl: error GD0649: --free: 'eta_hbm' is given twice")]
    [InlineData(new[] { "--engine", "vllm", "--free", "eta_hbm", "--start", "nope" }, "graphdsl: error GD0649: --start: unknown profile 'nope'; profiles: roofline, default, trtllm, vllm, sglang, gpt-fast, fastertransformer, vllm-rocm")]
    public void A_bad_command_line_is_a_usage_error_before_the_data_is_read(string[] args, string expected)
    {
        // The data file does not exist: the command line's error comes first.
        var r = CliRunner.Run(["calibrate", "--data", "no-such-file.csv", .. args]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal(expected, r.Err.Trim());
    }

    /// <summary>Too few points for the constants asked was reported as "graphdsl: error GD0606", the id of sweep's
    /// "Invalid sweep", printed by hand; calibrate's own ids are GD0649 (its command line) and GD0650 (the fit).</summary>
    [Fact]
    public void Too_few_points_for_the_constants_is_calibrates_own_error()
    {
        var header = string.Join(",", GraphDsl.Backends.CostModel.Validation.Measurement.Columns);
        const string Row = "X1,llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,1,5,200,decode_tokens_per_s,100,tokens/s,gpt-fast,C,https://example.org,";
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"graphdsl-calibrate-{System.Guid.NewGuid():N}.csv");
        System.IO.File.WriteAllText(path, header + "\n" + Row + "\n");
        try
        {
            var r = CliRunner.Run("calibrate", "--data", path, "--engine", "gpt-fast", "--free", "eta_hbm");
            Assert.True(r.ExitCode == 1, r.All);
            Assert.Equal("graphdsl: error GD0650: 1 calibration points cannot identify 1 constants (need at least 2)", r.Err.Trim());
        }
        finally { System.IO.File.Delete(path); }
    }
}
