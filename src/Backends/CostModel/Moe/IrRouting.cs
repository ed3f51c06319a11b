using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.CostModel.Moe;

/// <summary>
/// Expert placement carried in the IR by the place-experts pass: on each moe.experts op, for the layers
/// it runs in turn, the logical expert in every physical slot (<c>placement</c>) and the statistics'
/// tokens per expert (<c>expert_tokens</c>). Nano-batch copies of a layer (overlap) share its entries.
/// </summary>
public static class IrRouting
{
    /// <summary>One MoE op of the walk with the index of the first layer it runs.</summary>
    public readonly record struct LayerOp(Operation Op, int FirstLayer, int Layers);

    /// <summary>The primary (nano-batch 0) moe.experts ops in step order, with their layer ranges.</summary>
    public static List<LayerOp> Ops(Module m)
    {
        var result = new List<LayerOp>();
        int next = 0;
        foreach (var w in ModelWalker.Walk(m))
        {
            if (!w.Op.Def.HasRoutedWeights || Nanobatch(w.Op) > 0) continue;
            result.Add(new LayerOp(w.Op, next, (int)w.Multiplicity));
            next += (int)w.Multiplicity;
        }
        return result;
    }

    public static long Nanobatch(Operation experts) => experts.Attributes.GetInt("nanobatch")?.AsConst ?? 0;

    /// <summary>The redundant expert slots parallelize gave the MoE layers (<c>--redundant-experts</c>, over the whole
    /// expert-parallel group); 0 without them.</summary>
    public static int RedundantSlots(Module m) =>
        (int)Ops(m).Select(o => o.Op.Attributes.GetInt("redundant")?.AsConst ?? 0).DefaultIfEmpty(0).Max();

    /// <summary>Routing statistics and placement read from the IR; null when no layer carries a placement,
    /// or the problem when only some do or they disagree with the layer shapes.</summary>
    public static (RoutingModel? Model, string? Problem) Read(Module m)
    {
        var ops = Ops(m);
        var withPlacement = ops.Where(o => o.Op.Attributes.Get("placement") is not null).ToList();
        if (withPlacement.Count == 0) return (null, null);
        if (withPlacement.Count != ops.Count) return (null, "only some MoE layers carry an expert placement");
        int ep = (int)(m.Attributes.GetInt("ep")?.AsConst ?? 1);
        var param = IrBuilder.Resolver(m);
        var layers = new List<LayerRouting>();
        var placement = new List<IReadOnlyList<IReadOnlyList<(int, double)>>>();
        int experts = 0, topK = 0;
        foreach (var o in ops)
        {
            var map = Ints(o.Op, "placement");
            var tokens = Ints(o.Op, "expert_tokens");
            experts = (int)MoeOps.ExpertCounts(o.Op, param).Experts;
            topK = (int)(o.Op.Operand("indices")!.Type.Shape.Last.Evaluate(param, _ => null) ?? 1);
            if (tokens.Length != experts * o.Layers) return (null, $"expert_tokens holds {tokens.Length} values, expected {o.Layers} layers x {experts} experts");
            if (map.Length % (o.Layers * ep) != 0) return (null, $"placement holds {map.Length} slots, not a multiple of {o.Layers} layers x {ep} GPUs");
            int slots = map.Length / o.Layers / ep;
            for (int l = 0; l < o.Layers; l++)
            {
                var loads = tokens.Skip(l * experts).Take(experts).ToArray();
                layers.Add(new LayerRouting($"moe.{o.FirstLayer + l}", loads.Sum() / topK, loads));
                var physical = map.Skip(l * ep * slots).Take(ep * slots).Select(v => (int)v).ToArray();
                if (physical.Any(e => e < 0 || e >= experts)) return (null, $"placement names an expert outside 0..{experts - 1}");
                var replicas = new int[experts];
                foreach (var e in physical) replicas[e]++;
                if (replicas.Any(r => r == 0)) return (null, $"layer {o.FirstLayer + l}: an expert has no slot");
                placement.Add(Enumerable.Range(0, ep).Select(g =>
                    (IReadOnlyList<(int, double)>)physical.Skip(g * slots).Take(slots).Select(e => (e, 1.0 / replicas[e])).ToList()).ToList());
            }
        }
        return (new RoutingModel(new RoutingStats(m.Name, experts, topK, layers), new ExpertPlacement(placement)), null);
    }

    private static long[] Ints(Operation op, string name) =>
        (op.Attributes.Get(name) as ListAttr)?.Items.Select(i => ((IntAttr)i).Value.AsConst ?? 0).ToArray() ?? System.Array.Empty<long>();
}
