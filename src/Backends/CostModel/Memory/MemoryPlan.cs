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
    /// <summary>The part of <see cref="KvBytes"/> that is the per-request cache: values computed once per request at prefill
    /// and read by every decode step (an encoder-decoder's cross-attention keys and values); 0 for decoder-only models.</summary>
    public double RequestCacheBytes { get; init; }
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
    /// <paramref name="extra"/> is what a speculative-decoding drafter adds to each pipeline stage's GPUs (null: nothing):
    /// its weights per GPU and its KV bytes per token per GPU.</summary>
    public static MemoryPlan For(CostPlan plan, Cluster cluster, EfficiencyProfile eff, double batchPerReplica, double context, double prompt,
        IReadOnlyList<(double WeightBytes, double KvBytesPerToken)>? extra = null)
    {
        double capacity = cluster.Device.MemoryBytes;
        double moeWorkspace = MoeWorkspace.Largest(plan, eff);
        var worst = Fullest(plan, capacity, eff, batchPerReplica, context, prompt, extra, moeWorkspace, PeakWorkspace(plan, eff, moeWorkspace, null), null, out _);
        var reasons = new List<string>();
        var memory = new MemoryPlan
        {
            CapacityBytes = capacity,
            WeightBytes = worst.WeightBytes,
            KvBytes = worst.KvBytes,
            RequestCacheBytes = worst.RequestCacheBytes,
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
    /// largest batch per replica that every stage holds. <paramref name="extra"/> adds to each stage (a drafter's weights
    /// and KV bytes per token there; null: nothing). <paramref name="moeWorkspace"/> is the plan's <see cref="MoeWorkspace.Largest"/> under the
    /// profile: it depends on neither the batch nor the lengths, so a sweep computes it once, and so is
    /// <paramref name="peakWorkspace"/> (<see cref="PeakWorkspace"/>). Allocates nothing when given <paramref name="scratch"/>
    /// (one double per atom of the plan).
    /// </summary>
    public static StageFit Fullest(CostPlan plan, double capacity, EfficiencyProfile eff, double batchPerReplica, double context, double prompt,
        IReadOnlyList<(double WeightBytes, double KvBytesPerToken)>? extra, double moeWorkspace, double peakWorkspace, double[]? scratch, out long maxBatchEveryStage)
    {
        double workspace = Workspace(plan, batchPerReplica, prompt, eff.MaxBatchedTokens, moeWorkspace, scratch);
        StageFit worst = default;
        long everyStage = long.MaxValue;
        for (int s = 0; s < plan.Stages.Length; s++)
        {
            var st = plan.Stages[s];
            var drafter = extra is null ? default : extra[s];
            double weightBytes = st.WeightBytes + drafter.WeightBytes;
            double reserve = Reserve(capacity, weightBytes, workspace, eff);
            double perSeq = st.KvBytesPerSequence(context) + drafter.KvBytesPerToken * context;
            double state = st.StateBytesPerSequence;
            double room = Room(capacity, weightBytes, workspace, eff);
            long maxBatch = LargestBatch(plan, capacity, eff, weightBytes, perSeq + state, prompt, moeWorkspace, peakWorkspace, scratch);
            var candidate = new StageFit
            {
                Stage = s,
                CapacityBytes = capacity,
                WeightBytes = weightBytes,
                KvBytesPerSequence = perSeq,
                KvBytes = perSeq * batchPerReplica,
                RequestCacheBytes = st.RequestCacheBytesPerSequenceAt(context) * batchPerReplica,
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

    /// <summary>
    /// The largest batch per replica whose KV cache and recurrent state (<paramref name="perSequence"/> bytes each) fit beside
    /// <paramref name="weightBytes"/>, with the workspace of that batch's own prefill chunk: the workspace grows with the
    /// batch up to <see cref="EfficiencyProfile.MaxBatchedTokens"/>, so the batch asked for does not size it (Mixtral 8x7B in
    /// FP8 on 8 H100s at 8k context: 530 at batch 1, whose 1,024-token chunk needs less, where 530 does not fit and 529 does).
    /// A batch fits when it fits with its own workspace, which shrinks with the batch, so fitting is monotone: the largest
    /// batch at the peak workspace is the answer when its chunk reaches the cap; below the cap a binary search over the
    /// batches whose chunks do not (at most max_batched_tokens / prompt of them) finds it. 0 if none; long.MaxValue when
    /// nothing is cached per sequence and the weights fit.
    /// </summary>
    private static long LargestBatch(CostPlan plan, double capacity, EfficiencyProfile eff, double weightBytes, double perSequence, double prompt,
        double moeWorkspace, double peakWorkspace, double[]? scratch)
    {
        double Room(double workspace) => MemoryPlan.Room(capacity, weightBytes, workspace, eff);
        if (perSequence <= 0)
            return Room(Workspace(plan, 1, prompt, eff.MaxBatchedTokens, moeWorkspace, scratch)) >= 0 ? long.MaxValue : 0;
        long atPeak = (long)Math.Max(0, Math.Floor(Room(peakWorkspace) / perSequence));
        double belowCap = Math.Ceiling(eff.MaxBatchedTokens / Math.Max(1, prompt)) - 1; // the largest batch whose chunk is under the cap
        if (atPeak >= belowCap) return atPeak;
        bool Fits(long b) => b * perSequence <= Room(Workspace(plan, b, prompt, eff.MaxBatchedTokens, moeWorkspace, scratch));
        long lo = atPeak, hi = (long)belowCap;  // atPeak fits (its workspace is at most the peak); find the last that does
        if (Fits(hi)) return hi;
        while (hi - lo > 1)
        {
            long mid = lo + (hi - lo) / 2;
            if (Fits(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }

    /// <summary>What the KV cache and recurrent state may take: the capacity less the runtime's reserve, the weights and the
    /// workspace.</summary>
    private static double Room(double capacity, double weightBytes, double workspace, EfficiencyProfile eff) =>
        capacity - Reserve(capacity, weightBytes, workspace, eff) - weightBytes - workspace;

    /// <summary>The workspace of the largest prefill chunk the engine runs (<see cref="EfficiencyProfile.MaxBatchedTokens"/>
    /// tokens), with the fused MoE's <paramref name="moeWorkspace"/>: the most any batch needs, independent of the batch and
    /// the lengths.</summary>
    public static double PeakWorkspace(CostPlan plan, EfficiencyProfile eff, double moeWorkspace, double[]? scratch) =>
        Workspace(plan, eff.MaxBatchedTokens, 1, eff.MaxBatchedTokens, moeWorkspace, scratch);

    /// <summary>The runtime's reserve: the share of HBM the engine leaves unused, taken of all of it (vLLM's
    /// gpu_memory_utilization) or of what weights and workspace leave (TensorRT-LLM's
    /// kv_cache_free_gpu_mem_fraction), never negative.</summary>
    public static double Reserve(double capacity, double weightBytes, double workspace, EfficiencyProfile eff) =>
        (1 - eff.MemoryUtilization) * (eff.UtilizationOfFree ? Math.Max(0, capacity - weightBytes - workspace) : capacity);

    /// <summary>The largest activation footprint of one op (inputs and outputs, not the traffic between its own passes)
    /// over a prefill chunk: the batch's prompts, capped at the engine's tokens per step; a MoE layer adds, beside its input
    /// and output, the workspace its engine's fused kernel allocates for the most tokens per step (<paramref name="moeWorkspace"/>,
    /// <see cref="MoeWorkspace.Largest"/>; the largest MoE layer's, with the largest MoE input and output: the MoE layers of a
    /// plan are alike).
    /// A batch split into N nano-batches (overlap) runs the chunk as N nano-batches of chunk / N tokens, so it is evaluated
    /// as N sequences of chunk / N tokens: an op inside the split (shapes of batch / N) holds one nano-batch's rows, an op
    /// outside it the whole chunk's. Evaluated as one sequence, batch / N was 0 and every op inside the split weighed
    /// nothing (Llama-3-8B at tp=8: 0.268 GB unsplit, 0.067 GB, the embedding's, at 2 and at 4 nano-batches). Two
    /// nano-batches are in flight at once, one computing while another's collective runs: the largest collective started
    /// asynchronously holds its buffer beside the largest op (an upper bound where that op is outside the split).</summary>
    private static double Workspace(CostPlan plan, double batchPerReplica, double prompt, double maxBatchedTokens, double moeWorkspace, double[]? scratch)
    {
        double tokens = Math.Max(1, Math.Min(batchPerReplica * prompt, maxBatchedTokens));
        double nanobatches = Math.Max(1, plan.Nanobatches);
        var atoms = scratch ?? new double[Math.Max(1, plan.Atoms.Count)];
        plan.Atoms.Evaluate(nanobatches, tokens / nanobatches, tokens / nanobatches, atoms);
        double max = 0, moe = 0, inFlight = 0;
        bool anyMoe = false;
        foreach (var e in plan.AllEntries)
        {
            double footprint = e.ActivationBytes.Evaluate(atoms) - e.InternalBytes.Evaluate(atoms);
            max = Math.Max(max, footprint);
            if (e.IsMoe) (moe, anyMoe) = (Math.Max(moe, footprint), true);
            if (nanobatches > 1 && e.Async == AsyncRole.Start) inFlight = Math.Max(inFlight, e.CommBytes.Evaluate(atoms));
        }
        return (anyMoe ? Math.Max(max, moe + moeWorkspace) : max) + inFlight;
    }
}
