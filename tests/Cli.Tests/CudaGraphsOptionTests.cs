using System;
using System.IO;
using System.Text.Json;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>--cuda-graphs on|off: decode replays CUDA graphs (the default) or runs eagerly, priced as the longer of its GPU
/// work and the host's dispatching of its kernels; the outputs say which, and the exports turn graphs off too.</summary>
[Collection(nameof(CliCollection))]
public class CudaGraphsOptionTests
{
    private static string[] Predict(params string[] extra) =>
        ["predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--batch", "1", "--prompt", "16", "--context", "64", "--format", "json", .. extra];

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Err);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    [Fact]
    public void Predict_json_says_whether_decode_is_graphed_and_prices_the_eager_step()
    {
        var on = Json(CliRunner.Run(Predict()));
        var off = Json(CliRunner.Run(Predict("--cuda-graphs", "off")));
        Assert.Equal("on", on.GetProperty("cuda_graphs").GetString());
        Assert.Equal("off", off.GetProperty("cuda_graphs").GetString());
        Assert.False(on.GetProperty("decode").TryGetProperty("host_dispatch_ms", out _));
        // tiny-dense's 28 decode kernels at 10 us each; the step takes at least that, plus the profile's step overhead.
        double host = off.GetProperty("decode").GetProperty("host_dispatch_ms").GetDouble();
        Assert.Equal(0.28, host, 9);
        Assert.True(off.GetProperty("decode").GetProperty("step_ms").GetDouble() >= host);
        Assert.True(off.GetProperty("decode").GetProperty("step_ms").GetDouble() > on.GetProperty("decode").GetProperty("step_ms").GetDouble());
        Assert.Equal(on.GetProperty("prefill").GetProperty("ttft_ms").GetDouble(), off.GetProperty("prefill").GetProperty("ttft_ms").GetDouble());
    }

    [Fact]
    public void The_table_names_the_mode()
    {
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--batch", "1", "--prompt", "16", "--context", "64", "--cuda-graphs", "off");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("profile default, CUDA graphs off", r.Out);
        Assert.Contains("host dispatch of a decode step (CUDA graphs off)", r.Out);
    }

    [Fact]
    public void A_value_other_than_on_or_off_is_a_usage_error()
    {
        var r = CliRunner.Run(Predict("--cuda-graphs", "maybe"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0802: Argument 'maybe' not recognized. Must be one of:", r.Err);
    }

    [Fact]
    public void Serve_and_sweep_say_the_mode()
    {
        var serve = Json(CliRunner.Run("serve", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--workload", "poisson:rate=4,prompt=64,output=16",
            "--requests", "20", "--cuda-graphs", "off", "--format", "json"));
        Assert.Equal("off", serve.GetProperty("cuda_graphs").GetString());
        var sweep = Json(CliRunner.Run("sweep", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--prompt", "16",
            "--context", "64", "--cuda-graphs", "off", "--format", "json"));
        Assert.Equal("default (CUDA graphs off)", sweep.GetProperty("profiles").GetProperty("h100-sxm").GetString());
    }

    [Fact]
    public void Exports_of_an_eager_plan_turn_graphs_off()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"plan-eager-{Guid.NewGuid():N}");
        var r = CliRunner.Run("plan", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--workload", "poisson:rate=2,prompt=256,output=32",
            "--slo", "ttft=5000,tpot=200", "--requests", "50", "--simulate", "2", "--kinds", "aggregated", "--cuda-graphs", "off",
            "--export", "vllm,sglang,trtllm", "--export-dir", dir);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("--enforce-eager", File.ReadAllText(Path.Combine(dir, "vllm.sh")));
        Assert.Contains("--disable-cuda-graph", File.ReadAllText(Path.Combine(dir, "sglang.sh")));
        Assert.Contains("cuda_graph_config: null", File.ReadAllText(Path.Combine(dir, "trtllm-extra.yaml")));
        Assert.Contains("checked against", r.Err);
    }
}
