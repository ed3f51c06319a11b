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
    /// <summary>The batch's recurrent state (state-space and linear-attention layers), beside the KV cache.</summary>
    public double StateBytes { get; init; }
    public double ActivationBytes { get; init; }
    public double ReserveBytes { get; init; }
    public double FreeBytes => CapacityBytes - WeightBytes - KvBytes - StateBytes - ActivationBytes - ReserveBytes;
    public bool Feasible => FreeBytes >= 0;
    /// <summary>KV bytes per sequence at the context, on the fullest GPU.</summary>
    public double KvBytesPerSequence { get; init; }
    /// <summary>Recurrent state bytes per sequence on the fullest GPU, constant in the context.</summary>
    public double StateBytesPerSequence { get; init; }
    /// <summary>Largest number of sequences per replica whose KV cache and recurrent state fit at the context (0 if none).</summary>
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
        var worst = Fullest(plan, capacity, eff, batchPerReplica, context, prompt, extra, MoeWorkspace.Largest(plan, eff), null, out _);
        var reasons = new List<string>();
        var memory = new MemoryPlan
        {
            CapacityBytes = capacity,
            WeightBytes = worst.WeightBytes,
            KvBytes = worst.KvBytes,
            StateBytes = worst.StateBytes,
            ActivationBytes = worst.WorkspaceBytes,
            ReserveBytes = worst.ReserveBytes,
            KvBytesPerSequence = worst.KvBytesPerSequence,
            StateBytesPerSequence = worst.StateBytesPerSequence,
            MaxBatchPerReplica = worst.MaxBatchPerReplica,
            Stage = worst.Stage,
            Reasons = reasons,
        };
        if (memory.WeightBytes + memory.ReserveBytes + memory.ActivationBytes > capacity)
            reasons.Add($"the weights alone ({memory.WeightBytes / 1e9:F1} GB per GPU) plus workspace ({memory.ActivationBytes / 1e9:F1} GB) and the runtime reserve ({memory.ReserveBytes / 1e9:F1} GB) exceed the {capacity / 1e9:F1} GB of HBM");
        else if (!memory.Feasible)
            reasons.Add($"the KV cache{(memory.StateBytes > 0 ? " and recurrent state" : "")} of {batchPerReplica} sequence(s) at {context} tokens ({(memory.KvBytes + memory.StateBytes) / 1e9:F1} GB per GPU) does not fit in the {(capacity - memory.ReserveBytes - memory.WeightBytes - memory.ActivationBytes) / 1e9:F1} GB left after weights; at most {memory.MaxBatchPerReplica} sequence(s) fit");
        return memory;
    }

    /// <summary>
    /// The memory core, shared by the prediction, the sweep and the validator: every pipeline stage's memory at
    /// <paramref name="batchPerReplica"/> sequences of <paramref name="context"/> tokens (prompts of <paramref name="prompt"/>
    /// size the workspace), the fullest stage (the least free bytes), and in <paramref name="maxBatchEveryStage"/> the
    /// largest batch per replica that every stage holds. <paramref name="extra"/> adds to the last stage (a drafter's weights
    /// and KV bytes per token). <paramref name="moeWorkspace"/> is the plan's <see cref="MoeWorkspace.Largest"/> under the
    /// profile: it depends on neither the batch nor the lengths, so a sweep computes it once. Allocates nothing when given
    /// <paramref name="scratch"/> (one double per atom of the plan).
    /// </summary>
    public static StageFit Fullest(CostPlan plan, double capacity, EfficiencyProfile eff, double batchPerReplica, double context, double prompt,
        (double WeightBytes, double KvBytesPerToken) extra, double moeWorkspace, double[]? scratch, out long maxBatchEveryStage)
    {
        double workspace = Workspace(plan, batchPerReplica, prompt, eff.MaxBatchedTokens, moeWorkspace, scratch);
        StageFit worst = default;
        long everyStage = long.MaxValue;
        for (int s = 0; s < plan.Stages.Length; s++)
        {
            var st = plan.Stages[s];
            bool last = s == plan.Stages.Length - 1;
            double weightBytes = st.WeightBytes + (last ? extra.WeightBytes : 0);
            double reserve = Reserve(capacity, weightBytes, workspace, eff);
            double perSeq = st.KvBytesPerSequence(context) + (last ? extra.KvBytesPerToken * context : 0);
            double state = st.StateBytesPerSequence;
            double room = capacity - reserve - weightBytes - workspace;
            long maxBatch = perSeq + state <= 0 ? (room >= 0 ? long.MaxValue : 0) : (long)Math.Max(0, Math.Floor(room / (perSeq + state)));
            var candidate = new StageFit
            {
                Stage = s,
                CapacityBytes = capacity,
                WeightBytes = weightBytes,
                KvBytesPerSequence = perSeq,
                KvBytes = perSeq * batchPerReplica,
                StateBytesPerSequence = state,
                StateBytes = state * batchPerReplica,
                WorkspaceBytes = workspace,
                ReserveBytes = reserve,
                RoomBytes = room,
                MaxBatchPerReplica = maxBatch,
            };
            if (s == 0 || candidate.FreeBytes < worst.FreeBytes) worst = candidate;
            everyStage = Math.Min(everyStage, maxBatch);
        }
        maxBatchEveryStage = everyStage;
        return worst;
    }

    /// <summary>The runtime's reserve: the share of HBM the engine leaves unused, taken of all of it (vLLM's
    /// gpu_memory_utilization) or of what weights and workspace leave (TensorRT-LLM's
    /// kv_cache_free_gpu_mem_fraction), never negative.</summary>
    public static double Reserve(double capacity, double weightBytes, double workspace, EfficiencyProfile eff) =>
        (1 - eff.MemoryUtilization) * (eff.UtilizationOfFree ? Math.Max(0, capacity - weightBytes - workspace) : capacity);

    /// <summary>The largest activation footprint of one op (inputs and outputs, not the traffic between its own passes)
    /// over a prefill chunk: the batch's prompts, capped at the engine's tokens per step; a MoE layer adds, beside its input
    /// and output, the workspace its engine's fused kernel allocates for the most tokens per step (<paramref name="moeWorkspace"/>,
    /// <see cref="MoeWorkspace.Largest"/>; the largest MoE layer's, with the largest MoE input and output: the MoE layers of a
    /// plan are alike).</summary>
    private static double Workspace(CostPlan plan, double batchPerReplica, double prompt, double maxBatchedTokens, double moeWorkspace, double[]? scratch)
    {
        double tokens = Math.Max(1, Math.Min(batchPerReplica * prompt, maxBatchedTokens));
        var atoms = scratch ?? new double[Math.Max(1, plan.Atoms.Count)];
        plan.Atoms.Evaluate(1, tokens, tokens, atoms);
        double max = 0, moe = 0;
        bool anyMoe = false;
        foreach (var e in plan.Entries)
        {
            double footprint = e.ActivationBytes.Evaluate(atoms) - e.InternalBytes.Evaluate(atoms);
            max = Math.Max(max, footprint);
            if (e.IsMoe) (moe, anyMoe) = (Math.Max(moe, footprint), true);
        }
        return anyMoe ? Math.Max(max, moe + moeWorkspace) : max;
    }
}
