using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>
/// What a drafter adds to a GPU's memory. A draft model brings all of its weights; a model's multi-token-prediction
/// module (a part, <c>model NAME for TARGET</c>) shares the weights it names like the target's (the embedding and the
/// head, as SGLang and vLLM load DeepSeek's module), so those count once, where the target's last pipeline stage
/// holds them (the module runs there, after the head).
/// </summary>
public static class DrafterMemory
{
    /// <summary>Weight bytes per GPU and KV bytes per token per GPU <paramref name="drafter"/> adds at <paramref name="context"/>
    /// to each of the target's pipeline stages; <paramref name="sharesWithTarget"/> for an MTP part, whose weights named like
    /// the target's are the target's. A drafter of one stage (an MTP part) sits on the target's last; a draft model laid out
    /// like the target has a stage on each of the target's (only its last stage used to be counted: Llama 3 8B drafting for
    /// Llama 3 70B over pp 2 added half its weights, on the second stage, and none on the first).</summary>
    public static (double WeightBytes, double KvBytesPerToken)[] Of(CompiledDeployment drafter, bool sharesWithTarget, CompiledDeployment target, double context)
    {
        int stages = target.DecodePlan.Stages.Length;
        var added = new (double WeightBytes, double KvBytesPerToken)[stages];
        var own = drafter.DecodePlan.Stages;
        for (int s = 0; s < own.Length; s++)
        {
            // Stage s of a drafter with the target's stage count sits on the target's stage s; otherwise all of it on the last.
            int on = own.Length == stages ? s : stages - 1;
            added[on].WeightBytes += own[s].WeightBytes;
            added[on].KvBytesPerToken += own[s].KvBytesPerSequence(context) / Math.Max(1, context);
        }
        if (sharesWithTarget) added[stages - 1].WeightBytes -= SharedWeightBytes(drafter.Module, target.Module);
        return added;
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

    /// <summary>The weights (by name) outside the target's repeats that its last pipeline stage holds: those after its last
    /// stage boundary, and a tied embedding the last stage's LM head reads (<see cref="PipelineStages.Holding"/>).</summary>
    private static Dictionary<string, TensorType> LastStageWeights(Module target)
    {
        var stages = PipelineStages.Of(target);
        var weights = new Dictionary<string, TensorType>(StringComparer.Ordinal);
        foreach (var op in target.Body.Ops)
            if (op.Def.Structure == OpStructure.Weight && op.Attributes.GetString("name") is { } name && stages.Holding(op).Contains(stages.Last))
                weights.TryAdd(name, op.Result.Type);
        return weights;
    }
}
