using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>
/// Speculative decoding: each step drafts <see cref="DraftTokens"/> tokens cheaply, then the target model checks them
/// in one pass over K + 1 positions and keeps <see cref="Acceptance"/> of them on average (the accepted drafts plus the
/// target's own next token, so 1 &lt;= A &lt;= K + 1). "mtp" drafts with the model's multi-token-prediction module, the
/// part its file declares for it (<c>model NAME for TARGET</c>; DeepSeek-V3's: an eh_proj GEMM over the normed hidden
/// state and the next token's embedding, one more decoder layer and the shared head, arXiv 2412.19437 section 2.2),
/// run K times one after another; "draft" with a separate small model. Either way the drafter is compiled on the
/// target's deployment (<see cref="DraftModel"/>) and a draft pass is its decode step.
/// </summary>
public sealed record Speculation(string Kind, int DraftTokens, double Acceptance)
{
    /// <summary>The drafter compiled on the target's deployment: the draft model, or the model's MTP part.</summary>
    public CompiledDeployment? DraftModel { get; init; }

    /// <summary>The most draft tokens a step may propose (engines use 1-8).</summary>
    public const int MaxDraftTokens = 16;

    /// <summary>How the drafter is laid out: like the target, but an MTP module (one layer, after the head) runs whole on
    /// the last pipeline stage.</summary>
    public Deployment DrafterDeployment(Deployment target) => Kind == "mtp" ? target with { Pp = 1 } : target;

    public override string ToString() => FormattableString.Invariant($"{Kind}:{DraftTokens} (acceptance {Acceptance:G3})");

    /// <summary>Why <paramref name="acceptance"/> cannot be the mean tokens kept per step with K draft tokens (it is the
    /// accepted drafts plus the target's own token: from 1 to K + 1), or null.</summary>
    public static string? AcceptanceProblem(int k, double acceptance) =>
        acceptance >= 1 && acceptance <= k + 1 ? null
        : $"the acceptance (mean tokens kept per step) must be from 1 to K + 1 = {k + 1}, found {acceptance.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses "mtp:K" or "draft:K" (the draft model is given separately); null with the problem otherwise.</summary>
    public static Speculation? Parse(string text, double acceptance, out string? problem)
    {
        problem = null;
        var parts = text.Split(':');
        if (parts.Length != 2 || parts[0] is not ("mtp" or "draft") || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || k < 1 || k > MaxDraftTokens)
        {
            problem = $"'{text}' is not mtp:K or draft:K with K draft tokens from 1 to {MaxDraftTokens}";
            return null;
        }
        if (AcceptanceProblem(k, acceptance) is { } p) { problem = p; return null; }
        return new Speculation(parts[0], k, acceptance);
    }
}

/// <summary>
/// What a drafter adds to a GPU's memory. A draft model brings all of its weights; a model's multi-token-prediction
/// module (a part, <c>model NAME for TARGET</c>) shares the weights it names like the target's (the embedding and the
/// head, as SGLang and vLLM load DeepSeek's module), so those count once, where the target's last pipeline stage
/// holds them (the module runs there, after the head).
/// </summary>
public static class DrafterMemory
{
    /// <summary>Weight bytes per GPU and KV bytes per token per GPU the drafter adds at <paramref name="context"/>.</summary>
    public static (double WeightBytes, double KvBytesPerToken) Of(Speculation s, CompiledDeployment target, double context)
    {
        var drafter = s.DraftModel ?? throw new ArgumentException("no drafter compiled");
        var stage = drafter.DecodePlan.Stages[^1];
        double shared = s.Kind == "mtp" ? SharedWeightBytes(drafter.Module, target.Module) : 0;
        return (stage.WeightBytes - shared, stage.KvBytesPerSequence(context) / Math.Max(1, context));
    }

    /// <summary>Per-GPU bytes of the drafter's weights that the target's last stage already holds: same name, same
    /// per-GPU type. Only weights outside layer repeats have model-wide names (a repeat's weights are named within it).</summary>
    private static double SharedWeightBytes(Module drafter, Module target)
    {
        var held = LastStageWeights(target);
        var param = IrBuilder.Resolver(drafter);
        double bytes = 0;
        foreach (var op in drafter.Body.Ops)
            if (op.Def.Structure == OpStructure.Weight && op.Attributes.GetString("name") is { } name && held.TryGetValue(name, out var type) && type.Equals(op.Result.Type))
                bytes += (Poly.From(op.Result.Type.Shape.NumElements(), param)?.ConstantTerm ?? 0) * op.Result.Type.DType.BytesPerElement;
        return bytes;
    }

    /// <summary>The weights (by name) outside the target's repeats on its last pipeline stage: what follows its last
    /// stage boundary.</summary>
    private static Dictionary<string, TensorType> LastStageWeights(Module target)
    {
        var top = target.Body.Ops;
        int start = 0;
        for (int i = 0; i < top.Count; i++)
            if (top[i].Def.Structure == OpStructure.StageStart) start = i;
        var weights = new Dictionary<string, TensorType>(StringComparer.Ordinal);
        foreach (var op in top.Skip(start))
            if (op.Def.Structure == OpStructure.Weight && op.Attributes.GetString("name") is { } name)
                weights.TryAdd(name, op.Result.Type);
        return weights;
    }
}
