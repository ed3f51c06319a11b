using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// Where a compiled layout's experts sit when predict prices it with routing statistics (<c>--routing</c>): without
/// redundant slots, null, the cost model's contiguous placement (E / ep experts per GPU); with them, the replicas EPLB
/// places (DeepSeek's rebalance_experts, global policy: the hottest experts replicated, the copies packed by load over
/// the ep GPUs), each copy serving an equal share of its expert's tokens, as the engines' balancers run them and as
/// place-experts does with its default options. A layout the place-experts pass placed keeps its placement: the pipeline
/// that predict reports names that pass and its strategy, and --routing only gives the loads to price it with.
/// </summary>
public static class RoutedLayoutPlacement
{
    /// <exception cref="PlacementException">the statistics or the slots cannot be placed.</exception>
    public static ExpertPlacement? For(RoutingStats stats, Module compiled)
    {
        // A placement the pipeline made (place-experts) is the one it reports; replacing it by EPLB's priced
        // place-experts{strategy=contiguous} at redundant=8 as EPLB (Mixtral-8x7B, tp8 ep8, batch 64: 12.5 ms, not 8.6).
        // Its problems, if any, are Predictor's to report.
        if (IrRouting.Read(compiled).Model is { } placed) return placed.Placement;
        int redundant = IrRouting.RedundantSlots(compiled);
        // Statistics that do not fit the model are Predictor.UseRouting's to report, naming the model and the file.
        var layers = MoeLayers.Of(compiled);
        if (redundant == 0 || layers.Count == 0 || stats.ValidateFor(compiled.Name, layers).Count > 0) return null;
        var options = new PlacementOptions { Gpus = ParallelLayout.Of(compiled).Ep, Redundant = redundant };
        return ExpertPlacer.Place("eplb", stats, options).ToExpertPlacement();
    }
}
