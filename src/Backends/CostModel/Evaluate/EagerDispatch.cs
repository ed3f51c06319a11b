using System;

namespace GraphDsl.Backends.CostModel.Evaluate;

/// <summary>
/// Decode without CUDA/HIP graphs (vLLM <c>--enforce-eager</c>, SGLang <c>--disable-cuda-graph</c>, TensorRT-LLM's PyTorch
/// backend before it turned graphs on by default): the host dispatches every kernel of the step itself, through Python, the
/// PyTorch dispatcher and <c>cudaLaunchKernel</c>. Dispatch is asynchronous: the host runs ahead of the GPU and queues
/// kernels, and only the end of the step waits for the GPU (sampling copies the new tokens to the host). So the step takes
/// whichever is longer, the GPU's work or the host's dispatching: max(GPU time, kernels x <see cref="SecondsPerKernel"/>)
/// (docs/cost-model.md, "Eager execution").
/// <para>The max is taken per step (per pipeline stage, each stage having its own host), not per layer: within a step there
/// is no synchronisation between layers, so a lead the host builds while the GPU runs long kernels (a large GEMM, an
/// all-reduce) is spent on the short ones of the next layers. A per-layer max would charge the GPU-bound parts and the
/// host-bound parts separately, as if the host waited for the GPU at each layer boundary, which eager engines do not do.
/// The per-step max is the exact two-queue schedule when the kernels' times are spread evenly over the step, and a lower
/// bound on it otherwise (near the crossover the real step is a little longer).</para>
/// </summary>
public static class EagerDispatch
{
    /// <summary>
    /// Host time to dispatch one kernel in eager mode, seconds: 10 us, the central value of the 5-25 us that published
    /// breakdowns of PyTorch's eager path give per op (Python ~1 us, pybind11 ~1 us, autograd/ATen dispatch 2-5 us,
    /// library heuristics such as cuBLAS's 1-5 us, <c>cudaLaunchKernel</c> 1-3 us on CUDA 12; "From PyTorch op to kernel
    /// launch", jiahuanglin.xyz GPU kernel serving lesson 18). Microbenchmarks bracket it: a tiny elementwise CUDA op from
    /// Python takes ~7 us of wall clock in eager mode with the GPU idle (FlagGems issue #4812, sigmoid/relu/silu), so a bare
    /// op is the low end; GEMMs, attention and custom ops add library heuristics and engine wrappers above it; 5 us is the
    /// usual figure for <c>cudaLaunchKernel</c> alone (A100). Not fitted to any measurement (docs/cost-model.md).
    /// </summary>
    public const double SecondsPerKernel = 10e-6;

    /// <summary>A step (or pipeline stage) of <paramref name="gpuSeconds"/> of GPU work whose <paramref name="kernels"/> the
    /// host dispatches one by one at <paramref name="secondsPerKernel"/> each: the longer of the two.</summary>
    public static double StepSeconds(double gpuSeconds, double kernels, double secondsPerKernel) =>
        Math.Max(gpuSeconds, kernels * secondsPerKernel);
}
