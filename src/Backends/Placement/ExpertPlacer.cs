using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// Entry point: validates the statistics and the expert-parallel group, runs a strategy, and rejects a
/// plan whose experts do not fit a GPU. Strategies: round-robin, contiguous, eplb, affinity, offload.
/// </summary>
public static class ExpertPlacer
{
    public static readonly IReadOnlyList<string> Strategies = new[] { "round-robin", "contiguous", "eplb", "affinity", "offload" };

    public static PlacementPlan Place(string strategy, RoutingStats stats, PlacementOptions options)
    {
        CheckGroup(options);
        CheckStatistics(stats);
        var plan = strategy switch
        {
            "round-robin" => StaticPlacer.RoundRobin(stats, options),
            "contiguous" => StaticPlacer.Contiguous(stats, options),
            "eplb" => EplbPlacer.Place(stats, options),
            "affinity" => AffinityPlacer.Place(stats, options),
            "offload" => OffloadPlacer.Place(stats, options),
            _ => throw new PlacementException(PlacementProblem.Deployment,
                $"unknown placement strategy '{strategy}'{GraphDsl.Ir.Suggest.DidYouMean(strategy, Strategies)}; known: {string.Join(", ", Strategies)}"),
        };
        if (options.Memory is { } memory) ExpertMemoryCheck.Check(plan, memory);
        return plan;
    }

    /// <summary>
    /// Reads a strategy written like a pass, <c>eplb{redundant=32}</c> or <c>offload{gpu_slots=8}</c>: the name, and
    /// options that override <paramref name="defaults"/> (redundant, gpu_slots, tolerance).
    /// </summary>
    public static (string Strategy, PlacementOptions Options) ParseStrategy(string text, PlacementOptions defaults)
    {
        text = text.Trim();
        int brace = text.IndexOf('{');
        if (brace < 0) return (text, defaults);
        if (!text.EndsWith("}", StringComparison.Ordinal)) throw new FormatException($"strategy '{text}': expected name{{key=value,...}}");
        var name = text[..brace].Trim();
        var o = defaults;
        foreach (var item in text[(brace + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2) throw new FormatException($"strategy '{text}': '{item}' is not key=value");
            o = kv[0] switch
            {
                "redundant" => o with { Redundant = Int(kv[1]) },
                "gpu_slots" => o with { GpuSlots = Int(kv[1]) },
                "tolerance" => o with { LoadTolerance = double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t >= 0 && double.IsFinite(t) ? t
                    : throw new FormatException($"strategy '{text}': tolerance must be a finite non-negative number") },
                _ => throw new FormatException($"strategy '{text}': unknown option '{kv[0]}'; options: redundant, gpu_slots, tolerance"),
            };
        }
        return (name, o);

        int Int(string v) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 ? i
            : throw new FormatException($"strategy '{text}': '{v}' is not a non-negative integer");
    }

    private static void CheckGroup(PlacementOptions o)
    {
        if (o.Gpus < 1 || o.Nodes < 1 || o.Gpus % o.Nodes != 0)
            throw new PlacementException(PlacementProblem.Deployment, $"--gpus ({o.Gpus}) must be a positive multiple of --nodes ({o.Nodes})");
    }

    /// <summary>Rejects statistics that are malformed in themselves (shape, negative or inconsistent counts); matching
    /// them to a model is <see cref="RoutingStats.Validate"/> with the model's layers, experts and top_k.</summary>
    public static void CheckStatistics(RoutingStats stats)
    {
        if (stats.Layers.Count == 0) throw new PlacementException(PlacementProblem.Statistics, "the statistics have no MoE layer");
        if (stats.Experts < 1) throw new PlacementException(PlacementProblem.Statistics, $"the statistics are for {stats.Experts} experts");
        var problems = stats.Validate(stats.Layers.Count, stats.Experts, stats.TopK);
        if (problems.Count > 0) throw new PlacementException(PlacementProblem.Statistics, string.Join("; ", problems));
    }
}
