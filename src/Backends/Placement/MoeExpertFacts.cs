using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// What placement needs to know about a model's routed experts: the bytes and parameters of one expert
/// (all its matrices and biases in one layer), the hidden size tokens carry to it, the routing groups, and
/// the bytes of every other weight. Read from the first moe.experts op (MoE layers of one model are alike).
/// </summary>
public sealed record MoeExpertFacts(double BytesPerExpert, double ParamsPerExpert, int Dim, double ActivationBytes, int Groups,
    double NonExpertWeightBytes, double WeightBytesPerParam)
{
    /// <summary>Facts of a module, with the routed experts' format replaced by <paramref name="weights"/> when given
    /// (other weights scale by the same ratio of bytes: an estimate, as the quantize pass keeps norms and embeddings).</summary>
    public static MoeExpertFacts Of(Module m, DType? weights = null)
    {
        var param = IrBuilder.Resolver(m);
        long Eval(Ir.Shapes.DimExpr d) => d.Evaluate(param, _ => 1) ?? throw new InvalidOperationException($"expert dimension {d} is not static");
        var walked = ModelWalker.Walk(m).Where(w => !w.InsideKernel).ToList();
        var first = walked.FirstOrDefault(w => w.Op.Def.HasRoutedWeights).Op
            ?? throw new PlacementException(PlacementProblem.Deployment, $"{m.Name} has no MoE layer to place");
        double routedBytes = 0, routedParams = 0;
        foreach (var w in walked.Where(w => w.Op.Def.HasRoutedWeights))
            foreach (var v in MoeOps.MoeWeightSlots(w.Op))
            {
                double n = v.Type.Shape.Dims.Aggregate(1.0, (acc, d) => acc * Eval(d));
                routedBytes += n * v.Type.DType.BytesPerElement * w.Multiplicity;
                routedParams += n * w.Multiplicity;
            }
        long local = Eval(first.Operand(first.Def.ComputeWeight!)!.Type.Shape[0]);
        double bytes = 0, parameters = 0;
        foreach (var v in MoeOps.MoeWeightSlots(first))
        {
            double n = v.Type.Shape.Dims.Aggregate(1.0, (acc, d) => acc * Eval(d)) / local;
            parameters += n;
            bytes += n * v.Type.DType.BytesPerElement;
        }
        var x = first.Operand("x")!.Type;
        int dim = (int)Eval(x.Shape.Last);
        var route = walked.FirstOrDefault(w => w.Op.Def.Fusion == FusionRole.Router).Op;
        int groups = (int)(route?.Attributes.GetInt("groups")?.Evaluate(param, _ => null) ?? 1);
        double nonExpert = Math.Max(0, ModelStats.Compute(m).WeightBytes - routedBytes);
        double perParam = bytes / parameters;
        if (weights is not null)
        {
            double ratio = weights.BytesPerElement / perParam;
            bytes = parameters * weights.BytesPerElement;
            nonExpert *= ratio;
            perParam = weights.BytesPerElement;
        }
        return new MoeExpertFacts(bytes, parameters, dim, x.DType.BytesPerElement, Math.Max(1, groups), nonExpert, perParam);
    }

    /// <summary>
    /// Bytes a GPU can give to routed experts: the engine's share of HBM (vLLM's gpu_memory_utilization)
    /// less every non-expert weight, which expert-parallel deployments keep on every GPU (data-parallel
    /// attention, as DeepSeek serves V3). KV cache and activations come out of what the experts leave.
    /// </summary>
    public double GpuBudgetBytes(double hbmBytes, double memoryUtilization) => memoryUtilization * hbmBytes - NonExpertWeightBytes;
}

/// <summary>
/// Where a model's MoE layers sit among its decoder layers (top-level repeat iterations, in order), for
/// engine maps that have a row per decoder layer (SGLang sizes its map by num_hidden_layers; DeepSeek-V3's
/// three dense layers get rows that are never read).
/// </summary>
public sealed record EngineLayerLayout(int DecoderLayers, int[] MoeLayerRows)
{
    /// <summary>One row per MoE layer: vLLM's EplbState (num_moe_layers rows).</summary>
    public static EngineLayerLayout MoeOnly(int moeLayers) => new(moeLayers, Enumerable.Range(0, moeLayers).ToArray());

    /// <summary>The decoder-layer index of each MoE layer; MoE rows only when the layers cannot be told apart
    /// (several routed-expert ops in one repeat iteration, or MoE outside repeats).</summary>
    public static EngineLayerLayout Of(Module m)
    {
        var param = IrBuilder.Resolver(m);
        var walked = ModelWalker.Walk(m).Where(w => !w.InsideKernel).ToList();
        int moe = walked.Where(w => w.Op.Def.HasRoutedWeights).Sum(w => (int)w.Multiplicity);
        var rows = new List<int>();
        int offset = 0;
        foreach (var op in m.Body.Ops.Where(o => o.Def.Structure == OpStructure.Loop))
        {
            var name = op.Attributes.GetString("name") ?? op.Name;
            int count = (int)(op.Attributes.GetInt("count")?.Evaluate(param, _ => null) ?? 1);
            var inGroup = walked.Where(w => w.Op.Def.HasRoutedWeights && w.Group == name).ToList();
            if (inGroup.Count > 1) return MoeOnly(moe);
            if (inGroup.Count == 1) rows.AddRange(Enumerable.Range(offset, count));
            offset += count;
        }
        return rows.Count == moe && moe > 0 ? new EngineLayerLayout(offset, rows.ToArray()) : MoeOnly(moe);
    }
}
