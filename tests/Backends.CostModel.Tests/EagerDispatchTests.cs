using System;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>Decode with CUDA graphs off: the step takes the longer of its GPU work and the host's dispatching of its kernels
/// (docs/cost-model.md, "Eager execution").</summary>
public class EagerDispatchTests
{
    /// <summary>tiny-dense's decode step after fuse: per layer attn_norm, qkv, attention, wo (+ residual), ffn_norm + gated
    /// FFN, w_down (+ residual) = 6 kernels, x 4 layers; then the embedding lookup, the last-token slice, the final norm and
    /// the LM head = 28.</summary>
    private const double TinyDenseDecodeKernels = 28;

    private static readonly Workload Decode = new(1, 16, 64);

    /// <summary>Roofline has no fixed costs, so its decode step is the GPU's streaming alone (a few microseconds here).</summary>
    private static double StepMs(EfficiencyProfile profile) =>
        Models.Predictor("tiny-dense", "h100-sxm", new Deployment(new ParallelLayout(1)), profile).Predict(Decode, details: false).Decode.Milliseconds;

    [Fact]
    public void The_plan_counts_the_kernels_of_a_fused_decode_step()
    {
        var p = Models.Predictor("tiny-dense", "h100-sxm", new Deployment(new ParallelLayout(1)), EfficiencyProfile.Roofline);
        Assert.Equal(TinyDenseDecodeKernels, p.Compiled.DecodePlan.KernelLaunches);
    }

    /// <summary>1 us per kernel: 28 kernels take the host 28 us, far above the GPU's few microseconds, so the step is the host's.</summary>
    [Fact]
    public void A_step_whose_dispatching_outlasts_the_GPU_takes_the_dispatching()
    {
        double gpu = StepMs(EfficiencyProfile.Roofline);
        var eager = EfficiencyProfile.Roofline with { CudaGraphs = false, EagerDispatchSeconds = 1e-6 };
        Assert.True(gpu < 0.028, $"GPU step {gpu} ms should be below the host's 0.028 ms");
        Assert.Equal(0.028, StepMs(eager), 9);
    }

    /// <summary>1 ns per kernel: the host's 28 ns is far below the GPU's streaming, so the step is the GPU's, as under graphs.</summary>
    [Fact]
    public void A_step_whose_GPU_work_outlasts_the_dispatching_takes_the_GPU_time()
    {
        double gpu = StepMs(EfficiencyProfile.Roofline);
        var eager = EfficiencyProfile.Roofline with { CudaGraphs = false, EagerDispatchSeconds = 1e-9 };
        Assert.True(gpu > 28e-6, $"GPU step {gpu} ms should exceed the host's 28 ns");
        Assert.Equal(gpu, StepMs(eager), 12);
    }

    /// <summary>The default profile's step overhead (step_us) comes after the max, and the report carries the host's time.</summary>
    [Fact]
    public void The_default_profile_adds_its_step_overhead_to_the_host_bound_step()
    {
        var profile = EfficiencyProfile.Find("default")! with { CudaGraphs = false };
        var p = Models.Predictor("tiny-dense", "h100-sxm", new Deployment(new ParallelLayout(1)), profile).Predict(Decode, details: false);
        double host = TinyDenseDecodeKernels * EagerDispatch.SecondsPerKernel * 1e3;
        Assert.Equal(host, p.Decode.HostDispatchMs, 9);
        Assert.Equal(host + profile.StepSeconds * 1e3, p.Decode.Milliseconds, 9);
        Assert.False(p.CudaGraphs);
    }

    [Fact]
    public void Graphs_on_by_default_leave_the_step_and_the_prefill_unchanged()
    {
        var graphed = EfficiencyProfile.Find("default")!;
        Assert.True(graphed.CudaGraphs);
        var dep = new Deployment(new ParallelLayout(1));
        var on = Models.Predictor("tiny-dense", "h100-sxm", dep, graphed).Predict(Decode, details: false);
        // The per-kernel dispatch time is not used while graphs are on.
        var onHuge = Models.Predictor("tiny-dense", "h100-sxm", dep, graphed with { EagerDispatchSeconds = 1 }).Predict(Decode, details: false);
        Assert.Equal(on.Decode.Milliseconds, onHuge.Decode.Milliseconds);
        Assert.Equal(0, on.Decode.HostDispatchMs);
        // Engines never graph prefill, so turning graphs off leaves it as it is.
        var off = Models.Predictor("tiny-dense", "h100-sxm", dep, graphed with { CudaGraphs = false }).Predict(Decode, details: false);
        Assert.Equal(on.Prefill.Milliseconds, off.Prefill.Milliseconds);
        Assert.Equal(on.TtftMs, off.TtftMs);
        Assert.True(off.Decode.Milliseconds > on.Decode.Milliseconds);
    }

    /// <summary>Each pipeline stage has its own host: the floor applies per stage, to the stage's own kernels.</summary>
    [Fact]
    public void Each_pipeline_stage_is_floored_by_its_own_kernels()
    {
        var eager = EfficiencyProfile.Roofline with { CudaGraphs = false, EagerDispatchSeconds = 1e-3 };
        var p = Models.Predictor("tiny-dense", "h100-sxm", new Deployment(new ParallelLayout(1, 1, 1, 2)), eager);
        var plan = p.Compiled.DecodePlan;
        double kernels = 0;
        foreach (var e in plan.Entries) if (e.IsKernel) kernels += e.Multiplicity;
        var step = p.Predict(Decode, details: false).Decode;
        // The stages run one after another for a token: their floors add up to every kernel's dispatch (the send between
        // them is a kernel too), and the step is that sum.
        Assert.Equal(kernels, step.HostDispatchMs, 9);
        Assert.Equal(kernels, step.Milliseconds, 6);
    }
    /// <summary>A two-stage pipeline without the overlap pass under the default profile, graphs off, with the per-kernel
    /// dispatch set between the stages' own GPU-seconds per kernel, so one stage is floored by its host and the other is
    /// not. Pinned from the ops' own timings: each stage is max(its ops' time, its kernels x dispatch), the step their sum
    /// plus step_us, equal to the serial step (nothing overlaps), the slowest stage the larger of the two.</summary>
    [Fact]
    public void A_pipelined_eager_step_floors_each_stage_once_and_equals_its_serial_step()
    {
        var graphsOff = EfficiencyProfile.Find("default")! with { CudaGraphs = false };
        var plan = Models.Predictor("tiny-dense", "h100-sxm", new Deployment(new ParallelLayout(1, 1, 1, 2)), graphsOff).Compiled.DecodePlan;
        var cluster = new Cluster(Models.Catalog.Find("h100-sxm")!, 1, 2);
        Assert.False(plan.HasAsync);
        var timings = new OpTiming[plan.Entries.Length];
        new StepEvaluator(plan, cluster, graphsOff).Evaluate(4, 1, 64, timings);
        var gpu = new double[2];
        var kernels = new double[2];
        for (int i = 0; i < plan.Entries.Length; i++)
        {
            var e = plan.Entries[i];
            gpu[e.Stage] += timings[i].Seconds * e.Multiplicity;
            if (e.IsKernel) kernels[e.Stage] += e.Multiplicity;
        }
        double low = Math.Min(gpu[0] / kernels[0], gpu[1] / kernels[1]), high = Math.Max(gpu[0] / kernels[0], gpu[1] / kernels[1]);
        Assert.True(high > low * 1.01, $"the stages' GPU seconds per kernel ({low}, {high}) should differ");
        double dispatch = (low + high) / 2;
        var step = new StepEvaluator(plan, cluster, graphsOff with { EagerDispatchSeconds = dispatch }).Evaluate(4, 1, 64);
        double stage0 = Math.Max(gpu[0], kernels[0] * dispatch), stage1 = Math.Max(gpu[1], kernels[1] * dispatch);
        Assert.True(stage0 == gpu[0] ^ stage1 == gpu[1], "exactly one stage should be floored by its host");
        Assert.Equal(stage0 + stage1 + graphsOff.StepSeconds, step.Seconds, 15);
        Assert.Equal(step.Seconds, step.SerialSeconds);
        Assert.Equal(Math.Max(stage0, stage1), step.MaxStageSeconds, 15);
        Assert.Equal((kernels[0] + kernels[1]) * dispatch, step.HostDispatchSeconds, 15);
    }
}
