using System;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;

namespace GraphDsl.Backends.CostModel.Memory;

/// <summary>
/// The buffers a serving engine's fused MoE layer allocates for the largest step, beside the layer's input and output
/// (docs/cost-model.md "Memory plan", with the engines' sources): the token-expert copies of the step's rows, each as
/// wide as the first GEMM's output or the hidden size, and what the layout keeps beside them. The engine sizes them for
/// its most tokens per step before the KV pool takes the rest, so they lower the KV pool; one layer runs at a time, so
/// they count once, not per layer. The op's declaration gives the shape (MoeWork: top_k, hidden size, the expert
/// intermediate size on this GPU, gating, the element size), the profile whose kernel lays them out.
/// </summary>
public static class MoeWorkspace
{
    /// <summary>TensorRT-LLM's per-copy row maps (source rows, permuted rows, permuted experts), one int32 each.</summary>
    private const double CutlassRowMapBytes = 3 * sizeof(int);

    /// <summary>Bytes of one MoE layer's workspace when <paramref name="rows"/> token rows reach it (this GPU's tokens of
    /// the step times the GPUs whose tokens its experts serve), each picking <paramref name="topK"/> experts of a gated or
    /// ungated FFN of <paramref name="hidden"/> columns on this GPU over rows of <paramref name="dim"/> elements of
    /// <paramref name="elementBytes"/> bytes.</summary>
    public static double Bytes(EfficiencyProfile eff, double rows, double topK, double dim, double hidden, bool gated, double elementBytes)
    {
        if (eff.MoeWorkspace == MoeWorkspaceKernel.None || rows <= 0) return 0;
        double chunk = eff.MoeChunkTokens > 0 ? Math.Min(rows, eff.MoeChunkTokens) : rows;
        double copies = chunk * topK;
        double gemm1 = gated ? 2 * hidden : hidden;
        return eff.MoeWorkspace switch
        {
            // cache13 (max(N, K) per copy: intermediate_cache1 and 3 share it) and intermediate_cache2 (the activated N/2).
            MoeWorkspaceKernel.Triton => copies * elementBytes * (Math.Max(gemm1, dim) + hidden),
            // overlapped_gemm1_gemm2_inputs (permuted input | fc2 result, | fc1 result when gated) and
            // overlapped_gemm1_gemm2_outputs (fc1 result | glu result, fc2 result when gated), plus the row maps.
            MoeWorkspaceKernel.Cutlass => copies * (elementBytes * (gated ? Math.Max(dim, hidden) + Math.Max(gemm1, dim) : dim + hidden) + CutlassRowMapBytes),
            _ => 0,
        };
    }

    /// <summary>The workspace of a MoE entry whose rows (this GPU's tokens), evaluated at the workload, are
    /// <paramref name="tokens"/> (0 for other entries). Without an all-to-all the layer runs every row it holds (all
    /// replicas' rows after an all-gather), k copies each, its experts' share of them computed and the rest masked; an
    /// all-to-all brings it the rows with at least one of its experts (<see cref="ReceivedShare"/>), again k copies each.</summary>
    public static double Of(PlanEntry e, EfficiencyProfile eff, double tokens)
    {
        if (!e.IsMoe) return 0;
        double rows = e.TokenGroups > 1 ? tokens * e.TokenGroups * ReceivedShare(e.Experts, e.LocalExperts > 0 ? e.Slots / e.LocalExperts : 1, e.TopK) : tokens;
        return Bytes(eff, rows, e.TopK, e.RowWidth, e.ExpertHidden, e.GatedExperts, e.MoeElementBytes);
    }

    /// <summary>The share of the dispatching GPUs' rows an expert-parallel all-to-all sends one of <paramref name="ep"/>
    /// GPUs: a row whose <paramref name="topK"/> distinct experts, picked uniformly among <paramref name="experts"/>, are
    /// not all elsewhere (1 - C(E - E/ep, k) / C(E, k)); 1 with one GPU.</summary>
    public static double ReceivedShare(double experts, double ep, double topK)
    {
        if (ep <= 1 || experts <= 0) return 1;
        double elsewhere = experts - experts / ep, none = 1;
        for (int i = 0; i < topK; i++) none *= Math.Max(0, elsewhere - i) / (experts - i);
        return 1 - none;
    }

    /// <summary>The largest MoE layer's workspace of a plan at the profile's most tokens per step (0 without MoE layers):
    /// the step's tokens are taken as that many one-token sequences, so a layer split into nano-batches of sequences
    /// sees its share of them. A one-token sequence's context is that token: an encoder's MoE layer runs batch x ctx
    /// rows, and a context of every token of the step squared them (Switch-C at tp=2 ep=8 dp=8: 8,192 x 8,192 x 8
    /// rows, a 5,539 GB workspace, where the step's 8,192 tokens per replica give 65,536 rows and 0.68 GB).
    /// Allocates nothing when given <paramref name="scratch"/> (one double per atom of the plan).</summary>
    public static double Largest(CostPlan plan, EfficiencyProfile eff, double[]? scratch = null)
    {
        double tokens = Math.Max(1, eff.MaxBatchedTokens);
        var atoms = scratch ?? new double[Math.Max(1, plan.Atoms.Count)];
        plan.Atoms.Evaluate(tokens, 1, 1, atoms);
        double max = 0;
        foreach (var e in plan.AllEntries) max = Math.Max(max, Of(e, eff, e.Tokens.Evaluate(atoms)));
        return max;
    }
}
