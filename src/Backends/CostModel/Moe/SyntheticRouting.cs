using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.CostModel.Moe;

/// <summary>
/// Generated routing: each layer draws its experts' popularity (<see cref="ExpertPopularity"/>: by default Zipf, the
/// expert of rank r in a seeded random order weighing 1 / r^a, a = 0 uniform; or the cost model's power law of loads);
/// every token picks top_k distinct experts in proportion to those weights (sampling without replacement). Consecutive layers' co-activation is
/// recorded too. Deterministic for a seed on every platform (SplitMix64, no System.Random).
/// </summary>
public static class SyntheticRouting
{
    /// <summary>
    /// The most tokens one layer's sample may route. Sampling is linear in tokens x layers x top_k (and keeps
    /// every token's choices when co-activation is recorded): 2^20 tokens take about 13 s for DeepSeek-V3's
    /// 58 layers of top-8 and the shares are already exact to a fraction of a percent; the default is 8192.
    /// </summary>
    public const long MaxTokens = 1 << 20;

    /// <summary>Routing with Zipf-ranked expert popularity (<see cref="ExpertPopularity.Zipf"/>).</summary>
    public static RoutingStats Generate(string model, IReadOnlyList<string> layerNames, int experts, int topK, double zipf, long tokens, ulong seed,
        bool coactivation = false)
    {
        if (zipf < 0 || double.IsNaN(zipf)) throw new ArgumentException("the Zipf exponent must be non-negative");
        return Generate(model, layerNames, experts, topK, new ExpertPopularity.Zipf(zipf), tokens, seed, coactivation);
    }

    public static RoutingStats Generate(string model, IReadOnlyList<string> layerNames, int experts, int topK, ExpertPopularity popularity, long tokens,
        ulong seed, bool coactivation = false)
    {
        if (experts < 1 || topK < 1 || topK > experts) throw new ArgumentException($"top_k {topK} must be between 1 and the {experts} experts");
        if (tokens < 1 || tokens > MaxTokens) throw new ArgumentException($"tokens must be between 1 and {MaxTokens}");
        var rng = new SplitMix64(seed);
        var layers = new List<LayerRouting>();
        int[]? previousChoices = null;
        for (int l = 0; l < layerNames.Count; l++)
        {
            var (weight, order) = popularity.Draw(experts, rng);
            var alias = new AliasTable(weight);
            double total = weight.Sum();
            var counts = new long[experts];
            var choices = new int[tokens * topK];
            var chosen = new bool[experts];
            for (long t = 0; t < tokens; t++)
            {
                // k distinct experts in proportion to their weights: draw, and redraw an expert already chosen. Once the
                // chosen experts hold most of the weight a redraw rarely lands elsewhere (zipf:20 on Mixtral took 44 s
                // where zipf:2 takes 3), so the rest is drawn directly from the experts not yet chosen.
                double chosenWeight = 0;
                for (int k = 0; k < topK; k++)
                {
                    int pick = -1;
                    if (chosenWeight < RedrawShare * total)
                    {
                        int guard = 0;
                        do pick = alias.Sample(rng); while (chosen[pick] && ++guard < 1000);
                    }
                    if (pick < 0 || chosen[pick]) pick = DrawUnchosen(weight, order, chosen, total - chosenWeight, rng);
                    chosen[pick] = true;
                    chosenWeight += weight[pick];
                    counts[pick]++;
                    choices[t * topK + k] = pick;
                }
                for (int k = 0; k < topK; k++) chosen[choices[t * topK + k]] = false;
            }
            if (coactivation && previousChoices is not null)
            {
                var co = new double[experts][];
                for (int i = 0; i < experts; i++) co[i] = new double[experts];
                for (long t = 0; t < tokens; t++)
                    for (int a = 0; a < topK; a++)
                        for (int b = 0; b < topK; b++)
                            co[previousChoices[t * topK + a]][choices[t * topK + b]] += 1;
                for (int i = 0; i < experts; i++)
                {
                    double row = co[i].Sum();
                    if (row > 0) for (int j = 0; j < experts; j++) co[i][j] /= row;
                }
                // Co-activation of layer l - 1 into layer l is stored on layer l - 1.
                layers[l - 1] = new LayerRouting(layers[l - 1].Name, layers[l - 1].Tokens, layers[l - 1].ExpertTokens, co);
            }
            layers.Add(new LayerRouting(layerNames[l], tokens, counts));
            previousChoices = choices;
        }
        return new RoutingStats(model, experts, topK, layers);
    }

    /// <summary>The share of a layer's weight the chosen experts may hold while a token's next expert is still drawn by
    /// redrawing (on average 1 / (1 - share) = 10 draws at most); above it the draw is over the unchosen experts.</summary>
    private const double RedrawShare = 0.9;

    /// <summary>One expert not yet chosen, in proportion to the weights, walking the ranks from the heaviest (so a skewed
    /// layer ends within a few steps); where the unchosen weight underflows to 0 (zipf:1e308) the best-ranked unchosen
    /// expert, the distribution's limit.</summary>
    private static int DrawUnchosen(double[] weight, int[] order, bool[] chosen, double unchosenWeight, SplitMix64 rng)
    {
        double u = rng.NextDouble() * unchosenWeight;
        int best = -1;
        foreach (var e in order)
        {
            if (chosen[e]) continue;
            if (best < 0) best = e;
            if (!(unchosenWeight > 0)) return best;
            u -= weight[e];
            if (u < 0) return e;
        }
        return best;
    }

    /// <summary>Walker's alias method: O(1) draws from a fixed discrete distribution.</summary>
    private sealed class AliasTable
    {
        private readonly double[] _prob;
        private readonly int[] _alias;

        public AliasTable(double[] weights)
        {
            int n = weights.Length;
            double total = weights.Sum();
            _prob = new double[n];
            _alias = new int[n];
            var scaled = weights.Select(w => w * n / total).ToArray();
            var small = new Stack<int>(); var large = new Stack<int>();
            for (int i = 0; i < n; i++) (scaled[i] < 1 ? small : large).Push(i);
            while (small.Count > 0 && large.Count > 0)
            {
                int s = small.Pop(), g = large.Pop();
                _prob[s] = scaled[s]; _alias[s] = g;
                scaled[g] = scaled[g] + scaled[s] - 1;
                (scaled[g] < 1 ? small : large).Push(g);
            }
            while (large.Count > 0) _prob[large.Pop()] = 1;
            while (small.Count > 0) _prob[small.Pop()] = 1;
        }

        public int Sample(SplitMix64 rng)
        {
            int i = (int)(rng.NextUInt64() % (ulong)_prob.Length);
            return rng.NextDouble() < _prob[i] ? i : _alias[i];
        }
    }
}
