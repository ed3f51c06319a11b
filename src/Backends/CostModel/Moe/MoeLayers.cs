using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.CostModel.Moe;

/// <summary>A model's MoE layers in execution order, repeats unrolled: layer i is the i-th routed-expert op a step runs.</summary>
public static class MoeLayers
{
    public sealed record Layer(string Name, int Experts, int TopK);

    public static IReadOnlyList<Layer> Of(Module m)
    {
        var param = IrBuilder.Resolver(m);
        var layers = new List<Layer>();
        foreach (var w in ModelWalker.Walk(m))
        {
            if (!w.Op.Def.HasRoutedWeights || IrRouting.Nanobatch(w.Op) > 0) continue; // nano-batch copies are the same layers
            long experts = MoeOps.ExpertCounts(w.Op, param).Experts;
            long k = w.Op.Operand("indices")!.Type.Shape.Last.Evaluate(param, _ => null) ?? 0;
            var name = w.Path.Length > 0 ? w.Path : w.Group;
            for (long i = 0; i < w.Multiplicity; i++) layers.Add(new Layer($"{name}.{i}", (int)experts, (int)k));
        }
        return layers;
    }
}

/// <summary>
/// Where each layer's experts live: per layer and GPU of the expert-parallel group, the experts it holds
/// and the share of each expert's tokens its replica serves (1 without replication). The default puts
/// expert e on GPU e / (E / ep), as vLLM and SGLang do.
/// </summary>
public sealed class ExpertPlacement
{
    public ExpertPlacement(IReadOnlyList<IReadOnlyList<IReadOnlyList<(int Expert, double Share)>>> slots) { Slots = slots; }

    /// <summary>[layer][gpu] = the (expert, share of its tokens) pairs the GPU serves.</summary>
    public IReadOnlyList<IReadOnlyList<IReadOnlyList<(int Expert, double Share)>>> Slots { get; }

    public static ExpertPlacement Contiguous(int layers, int experts, int gpus)
    {
        int per = experts / gpus;
        var gpuSlots = new List<IReadOnlyList<(int, double)>>();
        for (int g = 0; g < gpus; g++) gpuSlots.Add(Enumerable.Range(g * per, per).Select(e => (e, 1.0)).ToList());
        var all = new List<IReadOnlyList<IReadOnlyList<(int, double)>>>();
        for (int l = 0; l < layers; l++) all.Add(gpuSlots);
        return new ExpertPlacement(all);
    }
}

/// <summary>Routing statistics and placement bound to a model's MoE layers, for the step evaluator.</summary>
public sealed class RoutingModel
{
    public RoutingModel(RoutingStats stats, ExpertPlacement placement) { Stats = stats; Placement = placement; }
    public RoutingStats Stats { get; }
    public ExpertPlacement Placement { get; }

    /// <summary>For <paramref name="tokens"/> routed in one step of layer <paramref name="layer"/>: the busiest GPU's
    /// token-expert pairs, the experts it touches (expected), and the mean pairs per GPU.</summary>
    public (double BusiestPairs, double BusiestTouched, double MeanPairs) Busiest(int layer, double tokens)
    {
        var L = Stats.Layers[layer];
        var gpus = Placement.Slots[layer];
        double best = -1, touchedAtBest = 0, total = 0;
        foreach (var slots in gpus)
        {
            double pairs = 0, touched = 0;
            foreach (var (e, share) in slots)
            {
                double p = L.Probability(e) * share;
                pairs += tokens * p;
                touched += 1 - System.Math.Pow(1 - System.Math.Min(p, 1), tokens);
            }
            total += pairs;
            if (pairs > best) { best = pairs; touchedAtBest = touched; }
        }
        return (best, touchedAtBest, total / gpus.Count);
    }
}
