using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Import.Writing;

/// <summary>A node of a layer plan: one layer, or a repeat of a body of nodes.</summary>
public abstract record PlanNode;

/// <summary>One layer, written in place.</summary>
public sealed record LayerNode(Layer Layer) : PlanNode;

/// <summary><see cref="Count"/> times the nodes of <see cref="Body"/> in order (a <c>repeat</c>, nested where the body
/// itself repeats).</summary>
public sealed record RepeatNode(int Count, IReadOnlyList<PlanNode> Body) : PlanNode
{
    /// <summary>A repeat of one layer: a run of identical layers.</summary>
    public Layer? Single => Body.Count == 1 && Body[0] is LayerNode l ? l.Layer : null;
}

/// <summary>
/// Turns the list of a model's layers into nested repeats, since a repeat has no index (docs/language.md, model families):
/// from the first layer on, the longest stretch that repeats a unit (the most layers covered, the shorter unit on a tie)
/// becomes one repeat, and its unit is planned the same way. Runs of identical layers are repeats of one layer
/// (DeepSeek's dense then MoE layers); an alternation is a repeat over its group (gpt-oss's sliding/full pair, Gemma 3's
/// five local layers and a global one, Qwen3-Next's three linear-attention layers and one attention layer); an irregular
/// pattern such as Nemotron-H's "M-M-M-M*-M-M-M-M-M*-..." becomes a repeat of its repeating part with repeats inside
/// and the rest around it, each kind of layer written once per place it occurs in a unit.
/// </summary>
public static class LayerPlan
{
    /// <summary>Most layers a config may ask for: 32 times the deepest released model's (126), and far below the
    /// compiler's own limit on repeated iterations (2^20).</summary>
    public const int MaxLayers = 4096;

    /// <summary>Longest unit looked for: real configs repeat every 2 to 12 layers (Nemotron-H every 11).</summary>
    public const int MaxPeriod = 16;

    /// <summary>The plan of a whole model: every top-level node is a repeat (a lone layer is a repeat of one), so each
    /// layer's weights are named under a repeat.</summary>
    public static IReadOnlyList<RepeatNode> Of(IReadOnlyList<Layer> layers) =>
        Plan(layers, 0, layers.Count).Select(n => n as RepeatNode ?? new RepeatNode(1, new[] { n })).ToList();

    private static List<PlanNode> Plan(IReadOnlyList<Layer> layers, int from, int to)
    {
        var nodes = new List<PlanNode>();
        int i = from;
        while (i < to)
        {
            int bestPeriod = 1, bestCount = 1;
            for (int p = 1; p <= Math.Min(MaxPeriod, (to - i) / 2); p++)
            {
                int count = 1;
                while (i + (count + 1) * p <= to && Enumerable.Range(0, p).All(j => layers[i + count * p + j].Equals(layers[i + j]))) count++;
                if (count >= 2 && count * p > bestCount * bestPeriod) (bestPeriod, bestCount) = (p, count);
            }
            if (bestCount == 1)
            {
                nodes.Add(new LayerNode(layers[i]));
                i++;
                continue;
            }
            nodes.Add(new RepeatNode(bestCount, Plan(layers, i, i + bestPeriod)));
            i += bestPeriod * bestCount;
        }
        return nodes;
    }

    /// <summary>The layers a body holds, as the header comment of a group describes them ("3 mamba, attention").</summary>
    public static string Describe(IReadOnlyList<PlanNode> body) => string.Join(", ", body.Select(n => n switch
    {
        LayerNode l => l.Layer.Kind,
        RepeatNode { Single: { } s } r => $"{r.Count} {s.Kind}",
        RepeatNode r => $"{r.Count} x ({Describe(r.Body)})",
        _ => "",
    }));

    /// <summary>Layers in one pass over a body.</summary>
    public static int Size(IReadOnlyList<PlanNode> body) => body.Sum(n => n is RepeatNode r ? r.Count * Size(r.Body) : 1);
}
