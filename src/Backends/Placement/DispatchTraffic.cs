using System;
using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>All-to-all bytes of one layer for the statistics' sample: dispatch and combine, inside nodes and between them,
/// and what the busiest GPU receives (it sets the collective's time).</summary>
public sealed record LayerTraffic(double IntraNodeBytes, double InterNodeBytes, double BusiestGpuBytes);

/// <summary>
/// Expert-parallel all-to-all traffic under a placement. Tokens start spread evenly over the GPUs (data-parallel
/// attention), so of the tokens a replica on GPU g serves, 1/G are already there, (G/N - 1)/G come from the rest of
/// its node and (G - G/N)/G from other nodes; each carries one hidden vector there (dispatch) and back (combine).
/// Without co-activation this origin is all a placement can know; it moves the busiest GPU, not the totals.
/// </summary>
public static class DispatchTraffic
{
    public static IReadOnlyList<LayerTraffic> Of(PlacementPlan plan, RoutingStats stats, double bytesPerToken)
    {
        double g = plan.Gpus, perNode = plan.GpusPerNode;
        double intraShare = (perNode - 1) / g, interShare = (g - perNode) / g;
        var result = new List<LayerTraffic>();
        for (int l = 0; l < plan.Layers.Count; l++)
        {
            var shares = plan.TokenShares(l);
            var tokens = stats.Layers[l].ExpertTokens;
            double total = 0, busiest = 0;
            for (int gpu = 0; gpu < plan.Gpus; gpu++)
            {
                double received = 0;
                for (int e = 0; e < plan.Experts; e++) received += tokens[e] * shares[gpu][e];
                total += received;
                busiest = Math.Max(busiest, received * (1 - 1 / g));
            }
            // Dispatch and combine: twice the bytes.
            result.Add(new LayerTraffic(2 * total * intraShare * bytesPerToken, 2 * total * interShare * bytesPerToken, 2 * busiest * bytesPerToken));
        }
        return result;
    }
}
