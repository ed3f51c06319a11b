using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>A plan with what it does to the statistics: loads, transitions (and round-robin's, for comparison),
/// memory, and for offload plans the predicted miss traffic. What the JSON and table outputs print.</summary>
public sealed record PlacementReport(
    PlacementPlan Plan,
    LoadSummary Loads,
    TransitionShare? Transitions,
    TransitionShare? BaselineTransitions,
    ExpertMemory? Memory,
    OffloadPrediction? Offload,
    IReadOnlyList<LayerTraffic>? Traffic = null)
{
    public const string Baseline = "round-robin";

    /// <param name="tokenBytes">bytes of one token's hidden vector as dispatched; 0 leaves the all-to-all traffic out.</param>
    public static PlacementReport Build(PlacementPlan plan, RoutingStats stats, ExpertMemory? memory = null, OffloadPrediction? offload = null, double tokenBytes = 0)
    {
        var transitions = TransitionMetrics.Of(plan, stats);
        TransitionShare? baseline = null;
        if (transitions is not null && plan.Experts % plan.Gpus == 0)
            baseline = plan.Strategy == Baseline ? transitions
                : TransitionMetrics.Of(StaticPlacer.RoundRobin(stats, new PlacementOptions { Gpus = plan.Gpus, Nodes = plan.Nodes }), stats);
        var traffic = tokenBytes > 0 ? DispatchTraffic.Of(plan, stats, tokenBytes) : null;
        return new PlacementReport(plan, PlacementMetrics.Loads(plan, stats), transitions, baseline, memory, offload, traffic);
    }
}
