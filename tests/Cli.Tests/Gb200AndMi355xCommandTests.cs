using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>The GB200 and MI355X through the commands: 72 GB200s default to one node (the NVL72 NVLink domain), a plan on
/// them is written as launch files per 4-GPU host, and TensorRT-LLM is refused on the AMD part, as on the MI300X.</summary>
[Collection(nameof(CliCollection))]
public class Gb200AndMi355xCommandTests
{
    [Fact]
    public void Seventy_two_gb200s_default_to_one_nvlink_node()
    {
        var r = CliRunner.Run("predict", "samples/deepseek-v3.moe", "--hardware", "gb200", "--gpus", "72", "--ep", "72", "--dp", "72",
            "--redundant-experts", "32", "--weights", "nvfp4", "--batch", "1152", "--prompt", "2048", "--context", "4096", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var hardware = JsonDocument.Parse(r.Out).RootElement.GetProperty("hardware");
        Assert.Equal((1, true), (hardware.GetProperty("nodes").GetInt32(), hardware.GetProperty("nodes_default").GetBoolean()));
    }

    /// <summary>DeepSeek-V3 on one rack: ep 72 runs with the 32 redundant slots the search adds (256 + 32 = 288 = 72 x 4), and
    /// the exports start one process group per compute tray: SGLang on 18 nodes, Dynamo's worker as 18 nodes of 4 GPUs.</summary>
    [Fact]
    public void A_plan_on_an_nvl72_rack_exports_per_host()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"gb200-export-{Guid.NewGuid():N}");
        var r = CliRunner.Run("plan", "samples/deepseek-v3.moe", "--hardware", "gb200", "--gpus", "72", "--tp", "8", "--weights", "nvfp4",
            "--workload", "concurrency:512,prompt=1024,output=128", "--slo", "tpot=50", "--requests", "100", "--kinds", "aggregated",
            "--export", "sglang,dynamo", "--export-dir", dir);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("tp=8 ep=72 dp=9 pp=1 redundant=32", r.Out);
        var sglang = File.ReadAllText(Path.Combine(dir, "sglang.sh"));
        Assert.Contains("--nnodes 18", sglang);
        Assert.Contains("--node-rank 17", sglang);
        var dynamo = File.ReadAllText(Path.Combine(dir, "dynamo-agg.yaml"));
        Assert.Contains("nodeCount: 18", dynamo);
        Assert.Contains("gpu: \"4\"", dynamo);
    }

    [Fact]
    public void TensorRT_LLM_is_refused_on_the_mi355x()
    {
        var predict = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "mi355x", "--gpus", "1", "--weights", "mxfp4",
            "--batch", "1", "--prompt", "1024", "--context", "2048", "--engine", "trtllm");
        Assert.Equal(2, predict.ExitCode);
        Assert.Contains("error GD0802: --engine trtllm: TensorRT-LLM runs on NVIDIA GPUs only, and mi355x is an AMD GPU; use --engine vllm or sglang", predict.Err);

        var dir = Path.Combine(Path.GetTempPath(), $"mi355x-export-{Guid.NewGuid():N}");
        var plan = CliRunner.Run("plan", "samples/llama-3-70b.moe", "--hardware", "mi355x", "--gpus", "8", "--tp", "8", "--weights", "mxfp4",
            "--workload", "concurrency:64,prompt=1024,output=128", "--slo", "tpot=50", "--requests", "100", "--kinds", "aggregated",
            "--export", "trtllm", "--export-dir", dir);
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains("error GD0638: trtllm: TensorRT-LLM runs on NVIDIA GPUs only, and mi355x is an AMD GPU; export vllm or sglang (or dynamo) instead", plan.Err);
        Assert.False(File.Exists(Path.Combine(dir, "trtllm.sh")));
    }

    [Fact]
    public void The_rocm_engines_take_the_rocm_profile_on_the_mi355x()
    {
        var r = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "mi355x", "--gpus", "1", "--weights", "mxfp4",
            "--batch", "1", "--prompt", "1024", "--context", "2048", "--engine", "sglang", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal("vllm-rocm", root.GetProperty("profile").GetString());
        Assert.Equal(0, root.GetProperty("emulated").GetArrayLength());
    }
}
