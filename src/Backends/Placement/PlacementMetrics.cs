using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>One layer's token-expert pairs per GPU (from the statistics) and its imbalance = busiest / mean.</summary>
public sealed record LayerLoad(string Name, double[] GpuLoad, double Mean, double Max, int BusiestGpu)
{
    public double Imbalance => Mean > 0 ? Max / Mean : 1;
}

/// <summary>The load summary of a plan: per layer, and the worst layer's busiest GPU over its mean (max_over_mean).</summary>
public sealed record LoadSummary(IReadOnlyList<LayerLoad> Layers)
{
    public double MaxOverMean => Layers.Count == 0 ? 1 : Layers.Max(l => l.Imbalance);
    public double MeanImbalance => Layers.Count == 0 ? 1 : Layers.Average(l => l.Imbalance);
    public string WorstLayer => Layers.Count == 0 ? "" : Layers.OrderByDescending(l => l.Imbalance).ThenBy(l => l.Name, StringComparer.Ordinal).First().Name;
}

/// <summary>
/// Loads a plan puts on its GPUs. The load of a GPU is the tokens its replicas serve in the statistics'
/// sample: each replica carries its expert's tokens / replicas. Host-resident experts (offload) load no GPU.
/// The busiest GPU sets a layer's expert time (the step evaluator's <see cref="RoutingModel.Busiest"/>).
/// </summary>
public static class PlacementMetrics
{
    public static LayerLoad Load(PlacementPlan plan, int layer, LayerRouting routing)
    {
        var l = plan.Layers[layer];
        var counts = l.ReplicaCounts(plan.Experts);
        var load = new double[plan.Gpus];
        for (int p = 0; p < l.PhysicalToLogical.Length; p++)
        {
            int e = l.PhysicalToLogical[p];
            load[plan.GpuOf(p)] += (double)routing.ExpertTokens[e] / counts[e];
        }
        int busiest = 0;
        for (int g = 1; g < load.Length; g++) if (load[g] > load[busiest]) busiest = g;
        return new LayerLoad(l.Name, load, load.Average(), load[busiest], busiest);
    }

    public static LoadSummary Loads(PlacementPlan plan, RoutingStats stats)
    {
        if (stats.Layers.Count != plan.Layers.Count)
            throw new PlacementException(PlacementProblem.Statistics, $"the statistics have {stats.Layers.Count} layer(s) but the plan has {plan.Layers.Count}");
        return new LoadSummary(Enumerable.Range(0, plan.Layers.Count).Select(i => Load(plan, i, stats.Layers[i])).ToList());
    }
}
