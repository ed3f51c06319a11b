using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// Expert offloading (HybriMoE arXiv:2504.05897, ExpertFlow arXiv:2410.17954, KTransformers): each GPU caches
/// <c>gpu_slots</c> experts of every layer, the hottest by load (a static cache: HybriMoE's score-based cache
/// converges to it under stable routing); the cold experts stay in host memory, and a token routed to one
/// either pulls its weights over the host link or is computed by the CPU (<see cref="OffloadCost"/>).
/// The cached experts are balanced-packed over the GPUs like EPLB's.
/// </summary>
public static class OffloadPlacer
{
    public static PlacementPlan Place(RoutingStats stats, PlacementOptions o)
    {
        int experts = stats.Experts, gpus = o.Gpus, slots = o.GpuSlots;
        if (slots < 1) throw new PlacementException(PlacementProblem.Deployment, "offload needs gpu_slots >= 1 (experts of each layer cached per GPU)");
        if ((long)slots * gpus > experts)
            throw new PlacementException(PlacementProblem.Deployment,
                $"offload: {gpus} GPUs x {slots} slots = {(long)gpus * slots} cache slots exceed the {experts} experts; at most {experts / gpus} slots per GPU (or use eplb to replicate)");
        var layers = new List<LayerPlan>();
        foreach (var layer in stats.Layers)
        {
            var hot = Enumerable.Range(0, experts).OrderByDescending(e => layer.ExpertTokens[e]).ThenBy(e => e).Take(gpus * slots).ToArray();
            var (gpu, rank) = BalancedPacking.Pack(hot.Select(e => (double)layer.ExpertTokens[e]).ToArray(), gpus);
            var map = new int[gpus * slots];
            for (int i = 0; i < hot.Length; i++) map[gpu[i] * slots + rank[i]] = hot[i];
            layers.Add(new LayerPlan(layer.Name, map));
        }
        return new PlacementPlan(stats.Model, "offload", "", gpus, o.Nodes, experts, stats.TopK, slots, layers);
    }
}
