using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// Placements that ignore the loads, as engines place experts without statistics:
/// <list type="bullet">
/// <item>round-robin: expert e on GPU e mod G (vLLM's <c>--expert-placement-strategy round_robin</c>). It is the
/// baseline because it spreads the experts of each routing group over all GPUs, so it never does worse
/// than contiguous blocks on group-limited routing, and it is what a load-blind engine can do best;</item>
/// <item>contiguous: expert e on GPU e / (E / G) (vLLM's default <c>linear</c>, SGLang's trivial map: physical i is logical i),
/// what the step evaluator assumes without a plan.</item>
/// </list>
/// </summary>
public static class StaticPlacer
{
    public static PlacementPlan RoundRobin(RoutingStats stats, PlacementOptions o) => Build(stats, o, "round-robin",
        (experts, gpus) => Enumerable.Range(0, experts).Select(p => (p % (experts / gpus)) * gpus + p / (experts / gpus)).ToArray());

    public static PlacementPlan Contiguous(RoutingStats stats, PlacementOptions o) => Build(stats, o, "contiguous",
        (experts, _) => Enumerable.Range(0, experts).ToArray());

    private static PlacementPlan Build(RoutingStats stats, PlacementOptions o, string name, System.Func<int, int, int[]> map)
    {
        int experts = stats.Experts, gpus = o.Gpus;
        if (experts % gpus != 0)
            throw new PlacementException(PlacementProblem.Deployment,
                $"{name}: the {experts} experts do not divide evenly over {gpus} GPUs; use eplb with --redundant to fill the slots");
        var layers = stats.Layers.Select(l => new LayerPlan(l.Name, map(experts, gpus))).ToList();
        return new PlacementPlan(stats.Model, name, "", gpus, o.Nodes, experts, stats.TopK, experts / gpus, layers);
    }
}
