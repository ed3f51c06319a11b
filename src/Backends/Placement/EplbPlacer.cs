using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// DeepSeek's expert-parallel load balancer (EPLB, github.com/deepseek-ai/EPLB; DeepSeek-V3 report,
/// arXiv:2412.19437 section 3.4), per layer from its expert loads:
/// <list type="bullet">
/// <item>hierarchical, when the experts form groups (group-limited routing) that divide evenly over the
/// nodes: pack the groups onto nodes by load, so a token's groups stay on few nodes; then, inside each node,
/// add that node's share of the redundant replicas to its hottest experts and pack the replicas onto the
/// node's GPUs;</item>
/// <item>global otherwise: replicate and pack over all GPUs, ignoring nodes.</item>
/// </list>
/// Every GPU gets (experts + redundant) / gpus slots; each replica serves an equal share of its expert's tokens.
/// </summary>
public static class EplbPlacer
{
    public static PlacementPlan Place(RoutingStats stats, PlacementOptions o)
    {
        if (o.Redundant < 0) throw new PlacementException(PlacementProblem.Deployment, $"eplb: redundant experts must not be negative ({o.Redundant})");
        // With experts x gpus slots every GPU already holds every expert, so more replicas cannot balance
        // anything; the bound also keeps the slot map (layers x slots) from exhausting memory.
        if ((long)stats.Experts + o.Redundant > (long)stats.Experts * o.Gpus)
            throw new PlacementException(PlacementProblem.Deployment,
                $"eplb: experts + redundant = {stats.Experts} + {o.Redundant} is more than experts x GPUs = {(long)stats.Experts * o.Gpus} (every GPU holding every expert)");
        int experts = stats.Experts, gpus = o.Gpus, nodes = o.Nodes, physical = experts + o.Redundant;
        if (physical % gpus != 0)
        {
            // In 64 bits: 8 experts on 2^31 - 1 GPUs suggested --redundant -8.
            long up = ((long)physical + gpus - 1) / gpus * gpus - experts;
            throw new PlacementException(PlacementProblem.Deployment,
                $"eplb: experts + redundant = {experts} + {o.Redundant} = {physical} must be a multiple of the {gpus} GPUs (every GPU holds the same number of experts); try --redundant {up}");
        }
        bool hierarchical = UsesHierarchy(experts, o.ExpertGroups, nodes);
        var layers = new List<LayerPlan>();
        foreach (var layer in stats.Layers)
        {
            var weights = layer.ExpertTokens.Select(c => (double)c).ToArray();
            var map = hierarchical
                ? Rebalance(weights, physical, o.ExpertGroups, nodes, gpus)
                : Rebalance(weights, physical, 1, 1, gpus);
            layers.Add(new LayerPlan(layer.Name, map));
        }
        return new PlacementPlan(stats.Model, "eplb", hierarchical ? "hierarchical" : "global", gpus, nodes, experts, stats.TopK,
            physical / gpus, layers);
    }

    /// <summary>EPLB's rule: group-limited placement when there is more than one node and the groups divide over them.</summary>
    public static bool UsesHierarchy(int experts, int groups, int nodes) =>
        nodes > 1 && groups > 1 && experts % groups == 0 && groups % nodes == 0;

    /// <summary>EPLB's rebalance_experts_hierarchical for one layer; groups = nodes = 1 is the global policy.
    /// Returns the logical expert of each physical slot (GPU g owns slots [g x slots, (g + 1) x slots)).</summary>
    public static int[] Rebalance(double[] weights, int physical, int groups, int nodes, int gpus)
    {
        int experts = weights.Length;
        int groupSize = experts / groups, groupsPerNode = groups / nodes;
        int logicalPerNode = experts / nodes, physicalPerNode = physical / nodes, gpusPerNode = gpus / nodes, slots = physical / gpus;

        // 1. Groups onto nodes: node-major order of logical experts ("mlog" in eplb.py).
        var groupWeights = Enumerable.Range(0, groups).Select(g => weights.Skip(g * groupSize).Take(groupSize).Sum()).ToArray();
        var (groupNode, groupRank) = BalancedPacking.Pack(groupWeights, nodes);
        var nodeOrder = new int[experts];
        for (int e = 0; e < experts; e++)
        {
            int g = e / groupSize;
            nodeOrder[(groupNode[g] * groupsPerNode + groupRank[g]) * groupSize + e % groupSize] = e;
        }

        var map = new int[physical];
        for (int n = 0; n < nodes; n++)
        {
            // 2. Replicas inside the node, for its hottest experts.
            var local = Enumerable.Range(0, logicalPerNode).Select(i => weights[nodeOrder[n * logicalPerNode + i]]).ToArray();
            var (replicaOf, counts) = BalancedPacking.Replicate(local, physicalPerNode);
            // 3. Replicas onto the node's GPUs, each carrying an equal share of its expert's load.
            var perReplica = replicaOf.Select(i => local[i] / counts[i]).ToArray();
            var (gpu, rank) = BalancedPacking.Pack(perReplica, gpusPerNode);
            for (int j = 0; j < physicalPerNode; j++)
                map[n * physicalPerNode + gpu[j] * slots + rank[j]] = nodeOrder[n * logicalPerNode + replicaOf[j]];
        }
        return map;
    }
}
