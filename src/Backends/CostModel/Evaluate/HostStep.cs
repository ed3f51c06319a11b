using System;

namespace GraphDsl.Backends.CostModel.Evaluate;

/// <summary>
/// The serving engine's own host work in every step: engines whose scheduler, sampler post-processing and request
/// bookkeeping run in Python (TensorRT-LLM's PyTorch-backend PyExecutor, vLLM, SGLang) walk the running requests every
/// iteration, so the host's time per step grows with them: requests x the profile's seconds per request on the
/// deployment's host CPU (<see cref="GraphDsl.Backends.CostModel.Inputs.EfficiencyProfile.HostSecondsPerRequest"/>). An
/// engine that overlaps it with the GPU (TensorRT-LLM's overlap scheduler, on by default: the host prepares step n+1 while
/// the GPU runs step n) takes the longer of the two; one that does not, their sum (docs/cost-model.md, "Host step").
/// <para>The CUDA graphs' replay makes the kernels' own dispatch cheap, so this is the term graphed engines keep; the
/// eager per-kernel dispatch (<see cref="EagerDispatch"/>) is a separate, CUDA-graphs-off term.</para>
/// </summary>
public static class HostStep
{
    /// <summary>A step of <paramref name="gpuSeconds"/> of GPU work and <paramref name="hostSeconds"/> of the engine's host
    /// work: the longer when the engine overlaps them, else the sum.</summary>
    public static double StepSeconds(double gpuSeconds, double hostSeconds, bool overlapped) =>
        overlapped ? Math.Max(gpuSeconds, hostSeconds) : gpuSeconds + hostSeconds;
}
