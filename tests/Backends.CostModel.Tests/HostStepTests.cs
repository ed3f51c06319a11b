using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The engine's own host work per step (scheduler, sampler, request bookkeeping): running requests x the profile's
/// seconds per request on the device's host CPU; the step takes the longer of it and the GPU's work when the engine overlaps
/// them, else their sum (docs/cost-model.md, "Host step").</summary>
public class HostStepTests
{
    private const long Batch = 4;
    private static readonly Workload Decode = new(Batch, 16, 64);

    /// <summary>Roofline (no fixed costs, no step overhead) with a per-request host figure for Grace hosts only.</summary>
    private static EfficiencyProfile OnGrace(double secondsPerRequest, bool overlap = true) => EfficiencyProfile.Roofline with
    {
        HostRequestSeconds = new Dictionary<string, double> { ["grace"] = secondsPerRequest },
        HostOverlap = overlap,
    };

    private static Model.PhaseReport DecodeStep(string device, EfficiencyProfile profile) =>
        Models.Predictor("tiny-dense", device, new Deployment(new ParallelLayout(1)), profile).Predict(Decode, details: false).Decode;

    [Fact]
    public void Overlapped_host_work_and_GPU_work_take_the_longer_and_otherwise_add()
    {
        Assert.Equal(3.0, HostStep.StepSeconds(3, 2, overlapped: true));
        Assert.Equal(5.0, HostStep.StepSeconds(2, 5, overlapped: true));
        Assert.Equal(5.0, HostStep.StepSeconds(3, 2, overlapped: false));
    }

    /// <summary>1 ps per request: the host's 4 ps is far below tiny-dense's GPU step, which is left exactly as it was.</summary>
    [Fact]
    public void A_GPU_bound_step_is_unchanged()
    {
        double gpu = DecodeStep("gb200", EfficiencyProfile.Roofline).Milliseconds;
        var step = DecodeStep("gb200", OnGrace(1e-12));
        Assert.Equal(gpu, step.Milliseconds, 12);
        Assert.Equal(Batch * 1e-12 * 1e3, step.HostStepMs, 15);
    }

    /// <summary>1 ms per request: 4 requests keep the host 4 ms, far above the GPU's microseconds, so the step is the host's.</summary>
    [Fact]
    public void A_host_bound_step_takes_the_host_time()
    {
        double gpu = DecodeStep("gb200", EfficiencyProfile.Roofline).Milliseconds;
        Assert.True(gpu < 4, $"GPU step {gpu} ms should be below the host's 4 ms");
        var step = DecodeStep("gb200", OnGrace(1e-3));
        Assert.Equal(4.0, step.Milliseconds, 9);
        Assert.Equal(4.0, step.HostStepMs, 9);
    }

    /// <summary>Without the overlap scheduler the host's work and the GPU's run one after the other.</summary>
    [Fact]
    public void Without_overlap_the_step_is_the_sum()
    {
        double gpu = DecodeStep("gb200", EfficiencyProfile.Roofline).Milliseconds;
        var step = DecodeStep("gb200", OnGrace(1e-6, overlap: false));
        Assert.Equal(gpu + Batch * 1e-3, step.Milliseconds, 9);
    }

    /// <summary>A host CPU the profile has no figure for (an HGX B200's x86 host: none sourced) keeps today's step.</summary>
    [Fact]
    public void A_host_without_a_figure_has_no_term()
    {
        double gpu = DecodeStep("b200", EfficiencyProfile.Roofline).Milliseconds;
        var step = DecodeStep("b200", OnGrace(1));
        Assert.Equal(gpu, step.Milliseconds, 12);
        Assert.Equal(0, step.HostStepMs);
    }

    /// <summary>The shipped figures: Grace hosts on GB200 and GH200, TensorRT-LLM's 45.11 ms host_step_time over 1,536
    /// requests per rank (NVIDIA/TensorRT-LLM#10273) under its default overlap scheduler; no figure for x86 hosts or for
    /// the other engines.</summary>
    [Fact]
    public void The_built_in_figures_are_TensorRT_LLMs_on_Grace()
    {
        Assert.Equal("grace", Models.Catalog.Find("gb200")!.HostCpu);
        Assert.Equal("grace", Models.Catalog.Find("gh200")!.HostCpu);
        Assert.Equal("", Models.Catalog.Find("b200")!.HostCpu);
        var trtllm = EfficiencyProfile.Find("trtllm")!;
        Assert.Equal(29.4e-6, trtllm.HostSecondsPerRequest("grace"), 12);
        Assert.InRange(45.11e-3 / 1536, 29.35e-6, 29.45e-6); // the source's figure, rounded to 0.1 us
        Assert.True(trtllm.HostOverlap);
        Assert.Equal(0, trtllm.HostSecondsPerRequest(""));
        Assert.Equal(0, EfficiencyProfile.Find("vllm")!.HostSecondsPerRequest("grace"));
        Assert.Equal(0, EfficiencyProfile.Find("sglang")!.HostSecondsPerRequest("grace"));
    }
}
