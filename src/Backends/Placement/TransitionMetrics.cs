using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>Share of token transitions between consecutive MoE layers whose next expert is on another GPU / node.</summary>
public sealed record TransitionShare(double CrossGpu, double CrossNode, double Transitions);

/// <summary>
/// Token transitions between consecutive MoE layers, from the statistics' co-activation: a token routed to
/// expert i in layer l and j in layer l + 1 contributes the pair (i, j), weighted tokens_l(i) x coactivation_l(i, j)
/// (top_k x top_k pairs per token). A pair stays on its GPU with probability sum_g share_l(i, g) x share_l+1(j, g):
/// replicas are picked independently in proportion to their shares. This is the remote fraction ExFlow
/// (arXiv:2401.08383) and Speculative MoE reduce: a pair that stays put needs no all-to-all hop.
/// </summary>
public static class TransitionMetrics
{
    /// <summary>Null when the statistics carry no co-activation.</summary>
    public static TransitionShare? Of(PlacementPlan plan, RoutingStats stats)
    {
        double total = 0, sameGpu = 0, sameNode = 0;
        bool any = false;
        for (int l = 0; l + 1 < stats.Layers.Count && l + 1 < plan.Layers.Count; l++)
        {
            if (stats.Layers[l].Coactivation is not { } co) continue;
            any = true;
            var mass = Mass(stats.Layers[l], co);
            var here = plan.TokenShares(l);
            var next = plan.TokenShares(l + 1);
            var hereGpus = Holders(here, plan.Experts);
            var hereNodes = Holders(ByNode(plan, here), plan.Experts);
            var nextNode = ByNode(plan, next);
            for (int i = 0; i < plan.Experts; i++)
                for (int j = 0; j < plan.Experts; j++)
                {
                    double w = mass[i][j];
                    if (w == 0) continue;
                    total += w;
                    foreach (var (g, s) in hereGpus[i]) sameGpu += w * s * next[g][j];
                    foreach (var (n, s) in hereNodes[i]) sameNode += w * s * nextNode[n][j];
                }
        }
        if (!any) return null;
        return total == 0 ? new TransitionShare(0, 0, 0) : new TransitionShare(1 - sameGpu / total, 1 - sameNode / total, total);
    }

    /// <summary>Transition weight of each (i, j): tokens at i times the share of them that pick j next.</summary>
    public static double[][] Mass(LayerRouting layer, double[][] coactivation) =>
        Enumerable.Range(0, coactivation.Length)
            .Select(i => coactivation[i].Select(c => layer.ExpertTokens[i] * c).ToArray())
            .ToArray();

    /// <summary>Per expert, the (GPU or node, share) pairs that hold it: usually one, so the pair sums stay cheap.</summary>
    private static (int Where, double Share)[][] Holders(double[][] shares, int experts) =>
        Enumerable.Range(0, experts)
            .Select(e => Enumerable.Range(0, shares.Length).Where(g => shares[g][e] > 0).Select(g => (g, shares[g][e])).ToArray())
            .ToArray();

    private static double[][] ByNode(PlacementPlan plan, double[][] gpuShares)
    {
        var nodes = Enumerable.Range(0, plan.Nodes).Select(_ => new double[plan.Experts]).ToArray();
        for (int g = 0; g < plan.Gpus; g++)
            for (int e = 0; e < plan.Experts; e++) nodes[plan.NodeOf(g)][e] += gpuShares[g][e];
        return nodes;
    }
}
