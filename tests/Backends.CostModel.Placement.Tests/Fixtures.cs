using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Graph;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>Compiled sample models (cached) and routing statistics for the placement tests.</summary>
public static class Fixtures
{
    private static readonly ConcurrentDictionary<string, Module> Models = new();

    public static Module Model(string sample) => Models.GetOrAdd(sample, s =>
    {
        var result = GraphDsl.Frontend.Compiler.CompileFile(Repo.Sample(s));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Module!;
    });

    /// <summary>Seeded synthetic statistics for a sample's MoE layers (Zipf exponent; 0 = uniform), named for its model as
    /// route-stats names them (statistics of another model are refused).</summary>
    public static RoutingStats Zipf(string sample, double exponent, ulong seed = 7, long tokens = 8192, bool coactivation = false)
    {
        var model = Model(sample);
        var layers = MoeLayers.Of(model);
        return SyntheticRouting.Generate(model.Name, layers.Select(l => l.Name).ToList(), layers[0].Experts, layers[0].TopK, exponent, tokens, seed, coactivation);
    }

    /// <summary>Seeded Zipf statistics without a model: the shape of DeepSeek-V3's MoE layers, fewer of them.</summary>
    public static RoutingStats Zipf(int layers, int experts, int topK, double exponent, ulong seed = 7, long tokens = 8192) =>
        SyntheticRouting.Generate("synthetic", Enumerable.Range(0, layers).Select(i => $"moe.{i}").ToList(), experts, topK, exponent, tokens, seed);

    /// <summary>
    /// Statistics with strong layer-to-layer affinity: each token follows a fixed, randomly permuted expert
    /// path (expert e in layer l leads to path_l(e) in layer l + 1) with probability <paramref name="follow"/>,
    /// else picks uniformly; top_k distinct picks per layer. Deterministic for a seed.
    /// </summary>
    public static RoutingStats Affine(int layers, int experts, int topK, double follow, ulong seed = 11, long tokens = 4096)
    {
        var rng = new Random((int)seed);
        var paths = Enumerable.Range(0, layers).Select(_ => Enumerable.Range(0, experts).OrderBy(_ => rng.Next()).ToArray()).ToArray();
        var counts = Enumerable.Range(0, layers).Select(_ => new long[experts]).ToArray();
        var co = Enumerable.Range(0, layers).Select(_ => Enumerable.Range(0, experts).Select(_ => new double[experts]).ToArray()).ToArray();
        for (long t = 0; t < tokens; t++)
        {
            int[] previous = Distinct(rng, experts, topK, null);
            for (int l = 0; l < layers; l++)
            {
                var picks = l == 0 ? previous : Distinct(rng, experts, topK, previous.Select(e => rng.NextDouble() < follow ? paths[l - 1][e] : -1).ToArray());
                foreach (var e in picks) counts[l][e]++;
                if (l > 0)
                    foreach (var a in previous) foreach (var b in picks) co[l - 1][a][b] += 1;
                previous = picks;
            }
        }
        var list = new List<LayerRouting>();
        for (int l = 0; l < layers; l++)
        {
            double[][]? matrix = null;
            if (l + 1 < layers)
            {
                matrix = co[l];
                foreach (var row in matrix) { double s = row.Sum(); if (s > 0) for (int j = 0; j < row.Length; j++) row[j] /= s; }
            }
            list.Add(new LayerRouting($"moe.{l}", tokens, counts[l], matrix));
        }
        return new RoutingStats("affine", experts, topK, list);
    }

    /// <summary>top_k distinct experts: the wanted ones where given (>= 0), the rest uniform.</summary>
    private static int[] Distinct(Random rng, int experts, int topK, int[]? wanted)
    {
        var chosen = new List<int>();
        if (wanted is not null) foreach (var w in wanted) if (w >= 0 && !chosen.Contains(w)) chosen.Add(w);
        while (chosen.Count < topK) { int e = rng.Next(experts); if (!chosen.Contains(e)) chosen.Add(e); }
        return chosen.ToArray();
    }
}
