using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.CostModel.Placement;

/// <summary>A plan with what it does to the statistics: loads, transitions (and round-robin's, for comparison),
/// memory, and for offload plans the predicted miss traffic. What the JSON and table outputs print.</summary>
public sealed record PlacementReport(
    PlacementPlan Plan,
    LoadSummary Loads,
    TransitionShare? Transitions,
    TransitionShare? BaselineTransitions,
    ExpertMemory? Memory,
    OffloadPrediction? Offload)
{
    public const string Baseline = "round-robin";

    public static PlacementReport Build(PlacementPlan plan, RoutingStats stats, ExpertMemory? memory = null, OffloadPrediction? offload = null)
    {
        var transitions = TransitionMetrics.Of(plan, stats);
        TransitionShare? baseline = null;
        if (transitions is not null && plan.Experts % plan.Gpus == 0)
            baseline = plan.Strategy == Baseline ? transitions
                : TransitionMetrics.Of(StaticPlacer.RoundRobin(stats, new PlacementOptions { Gpus = plan.Gpus, Nodes = plan.Nodes }), stats);
        return new PlacementReport(plan, PlacementMetrics.Loads(plan, stats), transitions, baseline, memory, offload);
    }
}
