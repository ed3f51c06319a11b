using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;

namespace GraphDsl.Backends.CostModel.Memory;

/// <summary>
/// Memory of the fullest GPU: weights (after sharding and quantization), KV cache of the batch at the
/// context, activation workspace, and the runtime's reserve (the share of HBM the engine leaves unused:
/// CUDA context, NCCL buffers, CUDA graphs). The deployment fits when their sum stays within HBM.
/// </summary>
public sealed class MemoryPlan
{
    public double CapacityBytes { get; init; }
    public double WeightBytes { get; init; }
    public double KvBytes { get; init; }
    public double ActivationBytes { get; init; }
    public double ReserveBytes { get; init; }
    public double FreeBytes => CapacityBytes - WeightBytes - KvBytes - ActivationBytes - ReserveBytes;
    public bool Feasible => FreeBytes >= 0;
    /// <summary>KV bytes per sequence at the context, on the fullest GPU.</summary>
    public double KvBytesPerSequence { get; init; }
    /// <summary>Largest number of sequences per replica whose KV cache fits at the context (0 if none).</summary>
    public long MaxBatchPerReplica { get; init; }
    public int Stage { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = Array.Empty<string>();

    /// <summary>Plans memory for <paramref name="batchPerReplica"/> sequences of <paramref name="context"/> tokens.
    /// <paramref name="extra"/> is what a speculative-decoding drafter adds to the last stage (where the head is): its
    /// weights per GPU and its KV bytes per token per GPU.</summary>
    public static MemoryPlan For(CostPlan plan, Cluster cluster, EfficiencyProfile eff, double batchPerReplica, double context, double prompt,
        (double WeightBytes, double KvBytesPerToken) extra = default)
    {
        double capacity = cluster.Device.MemoryBytes;
        double workspace = Workspace(plan, batchPerReplica, prompt, eff.MaxBatchedTokens);
        MemoryPlan? worst = null;
        for (int s = 0; s < plan.Stages.Length; s++)
        {
            var st = plan.Stages[s];
            bool last = s == plan.Stages.Length - 1;
            double weightBytes = st.WeightBytes + (last ? extra.WeightBytes : 0);
            double reserve = Reserve(capacity, weightBytes, workspace, eff);
            double perSeq = st.KvBytesPerSequence(context) + (last ? extra.KvBytesPerToken * context : 0);
            double kv = perSeq * batchPerReplica;
            double room = capacity - reserve - weightBytes - workspace;
            long maxBatch = perSeq <= 0 ? (room >= 0 ? long.MaxValue : 0) : (long)Math.Max(0, Math.Floor(room / perSeq));
            var candidate = new MemoryPlan
            {
                CapacityBytes = capacity,
                WeightBytes = weightBytes,
                KvBytes = kv,
                ActivationBytes = workspace,
                ReserveBytes = reserve,
                KvBytesPerSequence = perSeq,
                MaxBatchPerReplica = maxBatch,
                Stage = s,
            };
            if (worst is null || candidate.FreeBytes < worst.FreeBytes) worst = candidate;
        }
        var reasons = new List<string>();
        if (worst!.WeightBytes + worst.ReserveBytes + worst.ActivationBytes > capacity)
            reasons.Add($"the weights alone ({worst.WeightBytes / 1e9:F1} GB per GPU) plus workspace ({worst.ActivationBytes / 1e9:F1} GB) and the runtime reserve ({worst.ReserveBytes / 1e9:F1} GB) exceed the {capacity / 1e9:F1} GB of HBM");
        else if (!worst.Feasible)
            reasons.Add($"the KV cache of {batchPerReplica} sequence(s) at {context} tokens ({worst.KvBytes / 1e9:F1} GB per GPU) does not fit in the {(capacity - worst.ReserveBytes - worst.WeightBytes - worst.ActivationBytes) / 1e9:F1} GB left after weights; at most {worst.MaxBatchPerReplica} sequence(s) fit");
        return new MemoryPlan
        {
            CapacityBytes = worst.CapacityBytes, WeightBytes = worst.WeightBytes, KvBytes = worst.KvBytes, ActivationBytes = worst.ActivationBytes,
            ReserveBytes = worst.ReserveBytes, KvBytesPerSequence = worst.KvBytesPerSequence, MaxBatchPerReplica = worst.MaxBatchPerReplica,
            Stage = worst.Stage, Reasons = reasons,
        };
    }

    /// <summary>The runtime's reserve: the share of HBM the engine leaves unused, taken of all of it (vLLM's
    /// gpu_memory_utilization) or of what weights and workspace leave (TensorRT-LLM's
    /// kv_cache_free_gpu_mem_fraction), never negative.</summary>
    public static double Reserve(double capacity, double weightBytes, double workspace, EfficiencyProfile eff) =>
        (1 - eff.MemoryUtilization) * (eff.UtilizationOfFree ? Math.Max(0, capacity - weightBytes - workspace) : capacity);

    /// <summary>The largest activation footprint of one op (inputs and outputs) over a prefill chunk:
    /// the batch's prompts, capped at the engine's tokens per step.</summary>
    public static double Workspace(CostPlan plan, double batchPerReplica, double prompt, double maxBatchedTokens, double[]? scratch = null)
    {
        double tokens = Math.Max(1, Math.Min(batchPerReplica * prompt, maxBatchedTokens));
        var atoms = scratch ?? new double[Math.Max(1, plan.Atoms.Count)];
        plan.Atoms.Evaluate(1, tokens, tokens, atoms);
        double max = 0;
        foreach (var e in plan.Entries) max = Math.Max(max, e.ActivationBytes.Evaluate(atoms));
        return max;
    }
}
