using System;
using System.Linq;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.CostModel.Moe;

/// <summary>
/// How popular each expert of a layer is in generated routing (<see cref="SyntheticRouting"/>): one weight per expert,
/// drawn afresh for every layer, and the experts' order from the heaviest.
/// </summary>
public abstract record ExpertPopularity
{
    /// <summary>One layer's expert weights and the experts from the heaviest to the lightest.</summary>
    public abstract (double[] Weight, int[] Order) Draw(int experts, SplitMix64 rng);

    /// <summary>Zipf over a seeded random ranking: the expert of rank r weighs 1 / r^a (a = 0 is uniform); what
    /// <c>route-stats --zipf</c> asks for.</summary>
    public sealed record Zipf(double Exponent) : ExpertPopularity
    {
        public override (double[] Weight, int[] Order) Draw(int experts, SplitMix64 rng)
        {
            var order = Enumerable.Range(0, experts).ToArray();
            for (int i = experts - 1; i > 0; i--) { int j = (int)(rng.NextUInt64() % (ulong)(i + 1)); (order[i], order[j]) = (order[j], order[i]); }
            var weight = new double[experts];
            for (int r = 0; r < experts; r++) weight[order[r]] = 1.0 / Math.Pow(r + 1, Exponent);
            return (weight, order);
        }
    }

    /// <summary>The cost model's law (<see cref="RoutingSkew"/>, AIConfigurator's): each expert's load drawn from the power
    /// law x^-alpha truncated to the bounds that <paramref name="Tokens"/> tokens of top-<paramref name="TopK"/> routing give
    /// (<see cref="RoutingSkew.Bounds"/>); alpha = 0 is uniform. Routing generated with it is routing the cost model priced.</summary>
    public sealed record PowerLaw(double Alpha, double Tokens, double TopK) : ExpertPopularity
    {
        public override (double[] Weight, int[] Order) Draw(int experts, SplitMix64 rng)
        {
            var weight = new double[experts];
            var (a, b) = RoutingSkew.Bounds(Tokens, TopK, experts);
            for (int e = 0; e < experts; e++) weight[e] = Alpha > 0 ? RoutingSkew.LoadAt(rng.NextDouble(), Alpha, a, b) : 1;
            var order = Enumerable.Range(0, experts).OrderByDescending(e => weight[e]).ThenBy(e => e).ToArray();
            return (weight, order);
        }
    }
}
