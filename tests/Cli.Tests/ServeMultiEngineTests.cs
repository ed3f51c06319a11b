using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>serve --scheduler disagg{...} | colocated{...}: a run, and the usage errors of instances that do not add up to
/// --gpus, of layout flags beside instance layouts, and of bad layouts and shares (exit 2, before anything compiles).</summary>
[Collection(nameof(CliCollection))]
public class ServeMultiEngineTests
{
    private static CliRunner.Result Serve(string gpus, params string[] args) => CliRunner.Run(new[] { "serve", "samples/llama-3-70b.moe",
        "--hardware", "h100-sxm", "--gpus", gpus, "--weights", "fp8", "--workload", "poisson:rate=2,prompt=2048,output=64", "--requests", "100" }.Concat(args).ToArray());

    /// <summary>A disaggregated deployment is shown as its instances' layouts with the shared formats.</summary>
    [Theory]
    [InlineData("disagg{prefill=tp4x1,decode=tp4x1}", "disagg{prefill=tp4x1,decode=tp4x1,max_batch=256,max_tokens=8192}",
        "prefill tp=4 ep=1 dp=1 pp=1 weights=fp8 kv=bf16 (spec) x1, decode tp=4 ep=1 dp=1 pp=1 weights=fp8 kv=bf16 (spec) x1")]
    [InlineData("colocated{prefill_share=0.4}", "colocated{prefill_share=0.4,max_batch=256,max_tokens=8192}", "tp=8 ep=1 dp=1 pp=1 weights=fp8 kv=bf16 (spec)")]
    public void Runs_with_its_limits_filled_in(string scheduler, string described, string deployment)
    {
        var r = Serve("8", "--scheduler", scheduler, "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(described, root.GetProperty("scheduler").GetString());
        Assert.Equal(deployment, root.GetProperty("deployment").GetString());
        Assert.Equal(100, root.GetProperty("completed").GetInt64());
        Assert.True(root.GetProperty("tpot_ms").GetProperty("p99").GetDouble() > 0);
    }

    [Theory]
    [InlineData("8", new[] { "--scheduler", "disagg{prefill=tp4x2,decode=tp8x1}" },
        "error GD0641: disagg: prefill=tp4x2 takes 8 GPU(s) (2 x 4) and decode=tp8x1 takes 8 (1 x 8), 16 in all, but --gpus is 8")]
    [InlineData("8", new[] { "--scheduler", "disagg{prefill=tp4x1,decode=tp4x1}", "--tp", "4" },
        "error GD0643: --tp conflicts with --scheduler disagg{prefill=tp4x1,decode=tp4x1}: each instance's layout is given there (e.g. prefill=tp4ep4x1)")]
    [InlineData("8", new[] { "--scheduler", "disagg{prefill=tp4y1,decode=tp4x1}" },
        "<scheduler>:1:19: error GD0640: prefill: expected tp, ep, dp or pp and a size, or x and the instance count, found 'y'; a layout is e.g. tp4x2 or dp8ep8x1")]
    [InlineData("8", new[] { "--scheduler", "colocated{prefill_share=1}" }, "<scheduler>:1:25: error GD0642: colocated: prefill_share must be above 0 and below 1")]
    // Found only after compiling, this was GD0634 with exit 1, as if the model could not serve.
    [InlineData("8", new[] { "--scheduler", "disagg{prefill=tp2dp3x1,decode=tp2x1}" },
        "graphdsl: error GD0640: disagg: a prefill instance of tp2dp3x1 takes 6 GPUs, which neither divide nor fill whole nodes of 8")]
    [InlineData("16", new[] { "--scheduler", "disagg{prefill=tp4x1,decode=tp4dp3x1}" },
        "graphdsl: error GD0640: disagg: a decode instance of tp4dp3x1 takes 12 GPUs, which neither divide nor fill whole nodes of 8")]
    public void Bad_instances_are_usage_errors(string gpus, string[] args, string expected)
    {
        var r = Serve(gpus, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }

    /// <summary>An instance that cannot hold the model's weights stops before simulating, naming the instance (exit 1).</summary>
    [Fact]
    public void An_instance_that_cannot_serve_stops_before_simulating()
    {
        var r = CliRunner.Run("serve", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--workload", "poisson:rate=2,prompt=2048,output=64",
            "--scheduler", "disagg{prefill=tp1x4,decode=tp4x1}");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0634: Llama3_70B on 8 x h100-sxm (disagg{prefill=tp1x4,decode=tp4x1}): a prefill instance (tp=1 ep=1 dp=1 pp=1 weights=keep kv=keep): "
            + "the weights alone (141.1 GB per GPU)", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }
}
