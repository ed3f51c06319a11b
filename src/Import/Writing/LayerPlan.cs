using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Import.Writing;

/// <summary>A run of identical layers.</summary>
public sealed record Run(Layer Layer, int Count);

/// <summary>A repeat: <see cref="Count"/> times the runs of <see cref="Group"/> in order.</summary>
public sealed record Segment(int Count, IReadOnlyList<Run> Group);

/// <summary>
/// Turns the list of a model's layers into repeats, since a repeat has no index (docs/language.md, model families):
/// runs of identical layers become one repeat each (DeepSeek's dense then MoE layers); when that gives more than two,
/// the smallest period that the whole list follows becomes a repeat over one group (gpt-oss's sliding/full pair,
/// Gemma 3's five local layers and a global one), and the layers after the last whole period follow as runs.
/// </summary>
public static class LayerPlan
{
    /// <summary>Most layers a config may ask for: 32 times the deepest released model's (126), and far below the
    /// compiler's own limit on repeated iterations (2^20).</summary>
    public const int MaxLayers = 4096;

    /// <summary>Longest pattern looked for: real configs repeat every 2 to 8 layers.</summary>
    public const int MaxPeriod = 16;

    public static IReadOnlyList<Segment> Of(IReadOnlyList<Layer> layers)
    {
        var runs = Runs(layers, 0, layers.Count);
        if (runs.Count <= 2) return runs.Select(r => new Segment(r.Count, new[] { r with { Count = 1 } })).ToList();
        for (int p = 2; p <= Math.Min(MaxPeriod, layers.Count / 2); p++)
        {
            if (!Enumerable.Range(0, layers.Count).All(i => layers[i].Equals(layers[i % p]))) continue;
            int whole = layers.Count / p;
            var segments = new List<Segment> { new(whole, Runs(layers, 0, p)) };
            segments.AddRange(Runs(layers, whole * p, layers.Count).Select(r => new Segment(r.Count, new[] { r with { Count = 1 } })));
            return segments;
        }
        return runs.Select(r => new Segment(r.Count, new[] { r with { Count = 1 } })).ToList();
    }

    private static List<Run> Runs(IReadOnlyList<Layer> layers, int from, int to)
    {
        var runs = new List<Run>();
        for (int i = from; i < to; i++)
        {
            if (runs.Count > 0 && runs[^1].Layer.Equals(layers[i])) runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
            else runs.Add(new Run(layers[i], 1));
        }
        return runs;
    }
}
