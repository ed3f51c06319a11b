using System.Text.Json;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>--engine picks the engine's profile for the device's vendor (its measured kernels and collectives), and
/// refuses what cannot run or contradicts --profile.</summary>
[Collection(nameof(CliCollection))]
public class EngineOptionTests
{
    private static string[] Predict(string hardware, string engine) =>
        new[] { "predict", "samples/deepseek-v3.moe", "--hardware", hardware, "--gpus", "8", "--tp", "8", "--ep", "8", "--weights", "fp8",
            "--batch", "8", "--prompt", "1024", "--context", "2048", "--engine", engine, "--format", "json" };

    [Theory]
    [InlineData("h200-sxm", "trtllm", "trtllm")]
    [InlineData("h200-sxm", "vllm", "vllm")]
    [InlineData("h200-sxm", "sglang", "sglang")]
    [InlineData("mi300x", "vllm", "vllm-rocm")]
    [InlineData("mi300x", "sglang", "vllm-rocm")]
    public void The_engine_chooses_its_profile_for_the_device(string hardware, string engine, string profile)
    {
        var r = CliRunner.Run(Predict(hardware, engine));
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(profile, JsonDocument.Parse(r.Out).RootElement.GetProperty("profile").GetString());
    }

    [Fact]
    public void Engines_with_their_own_kernels_predict_differently()
    {
        double Tpot(string engine) => JsonDocument.Parse(CliRunner.Run(Predict("h200-sxm", engine)).Out).RootElement.GetProperty("decode").GetProperty("tpot_ms").GetDouble();
        // vLLM's fused FP8 MoE has a 44.5 us fixed latency on an H200, SGLang's 28.1 us (hardware.json measured.engines).
        Assert.True(Tpot("vllm") > Tpot("sglang"));
    }

    [Fact]
    public void TensorRT_LLM_on_an_AMD_GPU_is_a_usage_error()
    {
        var r = CliRunner.Run(Predict("mi300x", "trtllm"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0802: --engine trtllm: TensorRT-LLM runs on NVIDIA GPUs only, and mi300x is an AMD GPU; use --engine vllm or sglang", r.Err);
    }

    [Fact]
    public void Engine_and_profile_together_are_a_usage_error()
    {
        var r = CliRunner.Run([.. Predict("h200-sxm", "vllm"), "--profile", "trtllm"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0802: --engine vllm and --profile trtllm both choose the efficiency profile; give one", r.Err);
    }

    [Fact]
    public void A_sweep_names_the_profile_of_each_device()
    {
        var r = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm,mi300x", "--gpus", "1", "--batch", "1", "--context", "2048",
            "--prompt", "1024", "--engine", "vllm", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var profiles = JsonDocument.Parse(r.Out).RootElement.GetProperty("profiles");
        Assert.Equal("vllm", profiles.GetProperty("h100-sxm").GetString());
        Assert.Equal("vllm-rocm", profiles.GetProperty("mi300x").GetString());
    }
}
