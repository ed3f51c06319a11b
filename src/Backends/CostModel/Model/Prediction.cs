using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Passes.Core;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>One op (or group of identical ops) of a step: its time per step and what bounds it.</summary>
public sealed record OpReport(string Name, string Op, string Group, double Count, double MillisecondsPerStep, double Flops, double Bytes, Bound Bound);

/// <summary>A step's time and what it is spent on; SerialMs is the same step with nothing overlapped; HostDispatchMs the
/// host's time dispatching its kernels one by one when CUDA graphs are off (0 under graphs), which the step takes at least;
/// HostStepMs the engine's own host work for the step's running requests (0 where its profile has no figure for the host
/// CPU), which the step takes at least (<see cref="HostStep"/>).</summary>
public sealed record PhaseReport(double Milliseconds, double ComputeMs, double MemoryMs, double CommMs, double LaunchMs, double SerialMs,
    double HostDispatchMs = 0, double HostStepMs = 0);

/// <summary>Speculative decoding at the workload: a step of K draft passes and one verify pass over K + 1 positions keeps
/// <paramref name="Acceptance"/> tokens per sequence, so a token costs StepMs / Acceptance. Speedup is against the plain
/// decode step at the same batch and context.</summary>
public sealed record SpeculativeReport(string Method, int DraftTokens, double Acceptance, double DraftMs, double VerifyMs,
    double DraftWeightBytes, double DraftKvBytesPerToken)
{
    public double StepMs => DraftMs + VerifyMs;
    public double TpotMs => StepMs / Acceptance;
}

/// <summary>Everything `graphdsl predict` reports for one model, cluster, deployment and workload.</summary>
public sealed class Prediction
{
    public string Model { get; init; } = "";
    public string Device { get; init; } = "";
    public int Gpus { get; init; }
    public int Nodes { get; init; }
    public Deployment Deployment { get; init; } = new(new ParallelLayout());
    public Workload Workload { get; init; } = new(1, 1, 1);
    public string Profile { get; init; } = "";
    /// <summary>Whether decode steps replay CUDA/HIP graphs (the default) or the host dispatches each kernel (eager).</summary>
    public bool CudaGraphs { get; init; } = true;
    /// <summary>How MoE layers were routed: "uniform", "power-law ALPHA" (the assumed expert popularity),
    /// "statistics" (a routing file); "" for a model without MoE layers.</summary>
    public string Routing { get; init; } = "";
    /// <summary>The pipeline that ran (the compiled deployment's).</summary>
    public Pipeline Pipeline { get; init; } = Pipeline.Empty;
    /// <summary>Weight formats the device has no math for, with the format they are converted to for it: e.g. "fp4 weights
    /// emulated in fp8 (dequantized)" for MXFP4 on an H100 or MI300X; empty when every format runs natively.</summary>
    public IReadOnlyList<string> Emulated { get; init; } = new List<string>();
    public bool Feasible { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = new List<string>();
    public MemoryPlan Memory { get; init; } = null!;
    /// <summary>Largest batch (whole deployment) the engine admits: whose KV cache fits at <see cref="AdmissionTokensPerSequence"/>
    /// tokens per sequence.</summary>
    public long MaxBatch { get; init; }
    /// <summary>How the engine admits requests into its KV cache (the profile's), which sizes <see cref="MaxBatch"/>.</summary>
    public KvAdmission Admission { get; init; }
    /// <summary>Tokens of KV cache each sequence of <see cref="MaxBatch"/> takes: the context when blocks come on demand; under
    /// no-evict, the prompt + output it reserved on admission (at least the context).</summary>
    public double AdmissionTokensPerSequence { get; init; }
    /// <summary>The whole batch's prefill (every prompt of the batch, as one step).</summary>
    public PhaseReport Prefill { get; init; } = null!;
    /// <summary>A request's time to first token: the mean over the batch, prefilled in <see cref="PrefillPassCount"/>
    /// passes of max_batched_tokens per replica (<see cref="Model.PrefillPasses"/>).</summary>
    public double TtftMs { get; init; }
    public long PrefillPassCount { get; init; }
    /// <summary>The plain decode step: one token per sequence.</summary>
    public PhaseReport Decode { get; init; } = null!;
    /// <summary>Speculative decoding, when the workload asks for it; the TPOT, throughputs and SLO batch below use it.</summary>
    public SpeculativeReport? Speculative { get; init; }
    /// <summary>Time per output token: the decode step, or the speculative step over its acceptance.</summary>
    public double TpotMs => Speculative?.TpotMs ?? Decode.Milliseconds;
    /// <summary>How many times faster per output token speculation is than the plain decode step (below 1: slower).</summary>
    public double? SpeculativeSpeedup => Speculative is { } s ? Decode.Milliseconds / s.TpotMs : null;
    public double DecodeTokensPerSecond { get; init; }
    public double DecodeTokensPerSecondPerGpu => DecodeTokensPerSecond / Gpus;
    /// <summary>Output tokens per second including prefill, when the workload gives output tokens.</summary>
    public double? OutputTokensPerSecond { get; init; }
    /// <summary>Why there is no output throughput although the workload gives output tokens (the batch fits at the context
    /// but not at prompt + output), or null.</summary>
    public string? OutputLimit { get; init; }
    /// <summary>Largest batch meeting the TPOT SLO (at most MaxBatch) and its decode throughput.</summary>
    public long? SloBatch { get; init; }
    public double? SloTokensPerSecond { get; init; }
    public IReadOnlyList<OpReport> DecodeOps { get; init; } = new List<OpReport>();
    public IReadOnlyList<OpReport> PrefillOps { get; init; } = new List<OpReport>();
}
