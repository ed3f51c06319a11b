using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// ExFlow-style placement (arXiv:2401.08383): experts that consecutive layers co-activate go on the same
/// GPU, so a token's next expert is more often local and its all-to-all hop is saved. ExFlow solves an
/// integer program; this is a heuristic with the same objective, deterministic and fast enough for
/// 256 experts x 58 layers:
/// <list type="number">
/// <item>layer 0 is balanced-packed by load; each later layer is placed greedily, expert by expert (strongest
/// pull first), on the GPU that holds most of the tokens arriving from the previous layer;</item>
/// <item>sweeps then re-place each layer against both neighbours by pairwise swaps that raise the
/// same-GPU (and, with several nodes, half-weighted same-node) transition mass.</item>
/// </list>
/// Slots stay balanced (experts / gpus per GPU) and no step may push a GPU's load above
/// max((1 + tolerance) x mean, balanced packing's maximum), so co-location does not buy a straggler.
/// </summary>
public static class AffinityPlacer
{
    private const int Sweeps = 3;
    private const int MaxSwapPasses = 50;
    /// <summary>Weight of keeping a transition in the node when it leaves the GPU (NVLink instead of the NIC).</summary>
    private const double SameNodeWeight = 0.5;

    public static PlacementPlan Place(RoutingStats stats, PlacementOptions o)
    {
        int experts = stats.Experts, gpus = o.Gpus, layers = stats.Layers.Count;
        if (experts % gpus != 0)
            throw new PlacementException(PlacementProblem.Deployment, $"affinity: the {experts} experts do not divide evenly over {gpus} GPUs");
        if (stats.Layers.All(l => l.Coactivation is null))
            throw new PlacementException(PlacementProblem.Statistics,
                "affinity needs co-activation between consecutive layers in the statistics (graphdsl route-stats --coactivation, or measured 'coactivation' matrices)");
        var ctx = new Context(stats, o);
        ctx.Initialize();
        for (int sweep = 0; sweep < Sweeps; sweep++)
        {
            var order = sweep % 2 == 0 ? Enumerable.Range(0, layers).Reverse() : Enumerable.Range(0, layers);
            foreach (var l in order) ctx.Refine(l);
        }
        var plans = Enumerable.Range(0, layers).Select(l => new LayerPlan(stats.Layers[l].Name, ctx.PhysicalToLogical(l))).ToList();
        return new PlacementPlan(stats.Model, "affinity", "", gpus, o.Nodes, experts, stats.TopK, experts / gpus, plans);
    }

    private sealed class Context
    {
        private readonly RoutingStats _stats;
        private readonly int _experts, _gpus, _slots, _gpusPerNode;
        private readonly double[][]?[] _forward;   // [l][i][j]: transition mass from expert i in l to j in l + 1
        private readonly double[][] _load;         // [l][e]
        private readonly double[] _cap;            // [l]
        private readonly int[][] _gpuOf;           // [l][e]
        private readonly bool _nodes;

        public Context(RoutingStats stats, PlacementOptions o)
        {
            _stats = stats; _experts = stats.Experts; _gpus = o.Gpus; _slots = _experts / _gpus; _gpusPerNode = o.Gpus / o.Nodes;
            _nodes = o.Nodes > 1;
            int layers = stats.Layers.Count;
            _forward = new double[][]?[layers];
            _load = new double[layers][];
            _cap = new double[layers];
            _gpuOf = new int[layers][];
            for (int l = 0; l < layers; l++)
            {
                var L = stats.Layers[l];
                if (l + 1 < layers && L.Coactivation is { } co) _forward[l] = TransitionMetrics.Mass(L, co);
                _load[l] = L.ExpertTokens.Select(c => (double)c).ToArray();
                var (pack, _) = BalancedPacking.Pack(_load[l], _gpus);
                double packedMax = Enumerable.Range(0, _gpus).Max(g => Enumerable.Range(0, _experts).Where(e => pack[e] == g).Sum(e => _load[l][e]));
                _cap[l] = Math.Max((1 + o.LoadTolerance) * _load[l].Sum() / _gpus, packedMax);
                _gpuOf[l] = new int[_experts];
            }
        }

        public void Initialize()
        {
            _gpuOf[0] = BalancedPacking.Pack(_load[0], _gpus).Pack;
            for (int l = 1; l < _gpuOf.Length; l++) Greedy(l, Pull(l, incoming: true, outgoing: false));
        }

        public void Refine(int l) => Swap(l, Pull(l, incoming: true, outgoing: true));

        public int[] PhysicalToLogical(int l) =>
            Enumerable.Range(0, _gpus).SelectMany(g => Enumerable.Range(0, _experts).Where(e => _gpuOf[l][e] == g)).ToArray();

        /// <summary>[e][g]: transition mass between expert e of layer l and the experts GPU g holds in the neighbouring layers,
        /// plus (with several nodes) a half weight for the other GPUs of g's node.</summary>
        private double[][] Pull(int l, bool incoming, bool outgoing)
        {
            var a = Enumerable.Range(0, _experts).Select(_ => new double[_gpus]).ToArray();
            if (incoming && l > 0 && _forward[l - 1] is { } fin)
                for (int i = 0; i < _experts; i++)
                {
                    int g = _gpuOf[l - 1][i];
                    for (int j = 0; j < _experts; j++) a[j][g] += fin[i][j];
                }
            if (outgoing && l + 1 < _gpuOf.Length && _forward[l] is { } fout)
                for (int i = 0; i < _experts; i++)
                    for (int j = 0; j < _experts; j++) a[i][_gpuOf[l + 1][j]] += fout[i][j];
            if (!_nodes) return a;
            foreach (var row in a)
            {
                var node = new double[_gpus / _gpusPerNode];
                for (int g = 0; g < _gpus; g++) node[g / _gpusPerNode] += row[g];
                for (int g = 0; g < _gpus; g++) row[g] += SameNodeWeight * (node[g / _gpusPerNode] - row[g]);
            }
            return a;
        }

        private void Greedy(int l, double[][] pull)
        {
            var w = _load[l];
            var load = new double[_gpus];
            var count = new int[_gpus];
            var order = Enumerable.Range(0, _experts).OrderByDescending(e => pull[e].Max()).ThenByDescending(e => w[e]).ThenBy(e => e);
            foreach (var e in order)
            {
                int best = -1;
                for (int g = 0; g < _gpus; g++)
                {
                    if (count[g] >= _slots || load[g] + w[e] > _cap[l]) continue;
                    if (best < 0 || pull[e][g] > pull[e][best] || (pull[e][g] == pull[e][best] && load[g] < load[best])) best = g;
                }
                if (best < 0)
                    for (int g = 0; g < _gpus; g++)
                        if (count[g] < _slots && (best < 0 || load[g] < load[best])) best = g;
                _gpuOf[l][e] = best;
                count[best]++;
                load[best] += w[e];
            }
        }

        private void Swap(int l, double[][] pull)
        {
            var w = _load[l];
            var gpu = _gpuOf[l];
            var load = new double[_gpus];
            for (int e = 0; e < _experts; e++) load[gpu[e]] += w[e];
            double eps = 1e-12 * Math.Max(1, pull.Sum(r => r.Sum()));
            for (int pass = 0; pass < MaxSwapPasses; pass++)
            {
                bool improved = false;
                for (int a = 0; a < _experts; a++)
                    for (int b = a + 1; b < _experts; b++)
                    {
                        int g1 = gpu[a], g2 = gpu[b];
                        if (g1 == g2) continue;
                        double gain = pull[a][g2] + pull[b][g1] - pull[a][g1] - pull[b][g2];
                        if (gain <= eps) continue;
                        double l1 = load[g1] - w[a] + w[b], l2 = load[g2] - w[b] + w[a];
                        // Never push a GPU over the cap, and never make an over-cap pair worse.
                        if (Math.Max(l1, l2) > Math.Max(_cap[l], Math.Max(load[g1], load[g2]))) continue;
                        gpu[a] = g2; gpu[b] = g1; load[g1] = l1; load[g2] = l2;
                        improved = true;
                    }
                if (!improved) break;
            }
        }
    }
}
