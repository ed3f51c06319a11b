using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>One MoE layer's expected cache misses in a step and what they cost.</summary>
/// <param name="ExpectedMisses">Host-resident experts the step's tokens touch (expected).</param>
/// <param name="FetchBytes">Expert weights pulled over the host link (misses cheaper to fetch than to compute on the CPU).</param>
/// <param name="ActivationBytes">Token activations sent to and back from the CPU (misses the CPU computes).</param>
/// <param name="Seconds">Miss time of the GPU whose cold experts cost most (they are homed on GPUs by cost, LPT).</param>
public sealed record LayerMiss(string Name, double ExpectedMisses, double FetchBytes, double ActivationBytes, double Seconds)
{
    public double HostLinkBytes => FetchBytes + ActivationBytes;
}

/// <summary>Miss traffic and time of one step of <see cref="Tokens"/> tokens, over every MoE layer.</summary>
public sealed record OffloadPrediction(long Tokens, HostTier Host, IReadOnlyList<LayerMiss> Layers)
{
    public double ExpectedMisses => Layers.Sum(l => l.ExpectedMisses);
    public double HostLinkBytes => Layers.Sum(l => l.HostLinkBytes);
    public double FetchBytes => Layers.Sum(l => l.FetchBytes);
    public double Seconds => Layers.Sum(l => l.Seconds);
}

/// <summary>
/// Predicted cost of the experts an offload plan leaves in host memory (research.md, HybriMoE/ExpertFlow):
/// a miss for t tokens costs <c>min(W_expert / BW_link, 2 t P_expert / CPU_FLOPs)</c>: fetch the weights to the
/// GPU, or compute on the CPU. Here the CPU term is <c>max(2 t P_expert / CPU_FLOPs, W_expert / BW_dram)</c>, since
/// the CPU must read the weights too. For a step of T tokens, expert e (a token picks it with probability
/// p_e) is touched with probability q_e = 1 - (1 - p_e)^T by T p_e / q_e tokens when touched; its expected
/// cost is q_e x min(...). No prefetch overlap is counted (HybriMoE hides part of it behind the previous layer).
/// </summary>
public static class OffloadCost
{
    public static OffloadPrediction Predict(PlacementPlan plan, RoutingStats stats, long tokens, MoeExpertFacts expert, HostTier host)
    {
        if (tokens < 1) throw new ArgumentException("tokens per step must be positive");
        var layers = new List<LayerMiss>();
        for (int l = 0; l < plan.Layers.Count; l++)
        {
            var routing = stats.Layers[l];
            double misses = 0, fetch = 0, activations = 0;
            var costs = new List<double>();
            foreach (var e in plan.Layers[l].HostExperts(plan.Experts))
            {
                double p = Math.Min(1, routing.Probability(e));
                if (p <= 0) continue;
                double touched = -double.ExpM1(tokens * double.LogP1(-Math.Min(p, 1 - 1e-16)));
                double tokensWhenTouched = tokens * p / touched;
                double fetchSeconds = host.LinkBytesPerSecond > 0 ? expert.BytesPerExpert / host.LinkBytesPerSecond : double.PositiveInfinity;
                double cpuSeconds = host.CpuFlops > 0
                    ? Math.Max(2 * tokensWhenTouched * expert.ParamsPerExpert / host.CpuFlops, expert.BytesPerExpert / host.DramBytesPerSecond)
                    : double.PositiveInfinity;
                if (double.IsPositiveInfinity(fetchSeconds) && double.IsPositiveInfinity(cpuSeconds))
                    throw new PlacementException(PlacementProblem.Deployment, "offload: the device has no host link and no host CPU is given; cold experts cannot run");
                misses += touched;
                if (fetchSeconds <= cpuSeconds) fetch += touched * expert.BytesPerExpert;
                else activations += tokens * p * 2 * expert.Dim * expert.ActivationBytes;
                costs.Add(touched * Math.Min(fetchSeconds, cpuSeconds));
            }
            layers.Add(new LayerMiss(plan.Layers[l].Name, misses, fetch, activations, Busiest(costs, plan.Gpus)));
        }
        return new OffloadPrediction(tokens, host, layers);
    }

    /// <summary>Cold experts homed on GPUs longest-first onto the least-loaded GPU; the slowest GPU's total.</summary>
    private static double Busiest(List<double> costs, int gpus)
    {
        var load = new double[gpus];
        foreach (var c in costs.OrderByDescending(c => c))
        {
            int g = 0;
            for (int i = 1; i < gpus; i++) if (load[i] < load[g]) g = i;
            load[g] += c;
        }
        return load.Max();
    }
}
