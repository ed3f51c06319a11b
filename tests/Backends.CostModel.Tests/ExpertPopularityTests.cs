using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The laws generated routing draws expert popularity from: the cost model's power law of loads (what plan's
/// exported expert map samples, so the map is of the routing the plan was priced with) and route-stats' Zipf ranks.</summary>
public class ExpertPopularityTests
{
    /// <summary>Raw moment k of x^-alpha on [a, b], by hand: (b^(k+1-alpha) - a^(k+1-alpha)) / (k + 1 - alpha), or
    /// ln(b / a) where k + 1 = alpha.</summary>
    private static double Moment(int k, double alpha, double a, double b) => k + 1 == alpha
        ? Math.Log(b / a)
        : (Math.Pow(b, k + 1 - alpha) - Math.Pow(a, k + 1 - alpha)) / (k + 1 - alpha);

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.01)]
    [InlineData(1.5)]
    [InlineData(2.0)]
    public void Loads_drawn_by_quantile_have_the_laws_mean_and_spread(double alpha)
    {
        // 8,192 tokens of top-8 over 256 experts: the law on [1, 0.8 x 8,192]. E[X^k] = integral over u of F^-1(u)^k,
        // by the midpoint rule over a million quantiles; the law's own moments by hand.
        var (a, b) = RoutingSkew.Bounds(8192, 8, 256);
        Assert.Equal((1.0, 0.8 * 8192), (a, b));
        const int N = 1_000_000;
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < N; i++)
        {
            double x = RoutingSkew.LoadAt((i + 0.5) / N, alpha, a, b);
            sum += x; sumSquares += x * x;
        }
        double m0 = Moment(0, alpha, a, b), mean = Moment(1, alpha, a, b) / m0, square = Moment(2, alpha, a, b) / m0;
        Assert.Equal(1, sum / N / mean, 3);
        Assert.Equal(1, sumSquares / N / square, 2);
        double cv = Math.Sqrt(square / (mean * mean) - 1);
        Assert.Equal(cv, RoutingSkew.PopularityCv(alpha, 8192, 8, 256), 6);
    }

    [Fact]
    public void The_quantiles_run_from_the_lower_to_the_upper_bound()
    {
        Assert.Equal(1, RoutingSkew.LoadAt(0, 1.01, 1, 100), 9);
        Assert.Equal(100, RoutingSkew.LoadAt(1, 1.01, 1, 100), 6);
        Assert.Equal(10, RoutingSkew.LoadAt(0.5, 1, 1, 100), 9); // alpha = 1 is log-uniform: the median is sqrt(ab)
    }

    [Fact]
    public void A_power_law_layer_orders_its_experts_by_weight_and_zero_is_uniform()
    {
        var (weight, order) = new ExpertPopularity.PowerLaw(1.2, 8192, 8).Draw(256, new SplitMix64(7));
        Assert.Equal(Enumerable.Range(0, 256), order.OrderBy(e => e));
        for (int r = 1; r < order.Length; r++) Assert.True(weight[order[r - 1]] >= weight[order[r]]);
        Assert.True(weight.Max() / weight.Min() > 10, "a skewed layer's heaviest expert outweighs its lightest many times");
        var (uniform, _) = new ExpertPopularity.PowerLaw(0, 8192, 8).Draw(256, new SplitMix64(7));
        Assert.All(uniform, w => Assert.Equal(1, w));
    }

    [Fact]
    public void The_zipf_exponent_overload_draws_the_zipf_law()
    {
        var names = new[] { "moe.0", "moe.1" };
        var byExponent = SyntheticRouting.Generate("m", names, 64, 4, 1.2, 4096, 11);
        var byLaw = SyntheticRouting.Generate("m", names, 64, 4, new ExpertPopularity.Zipf(1.2), 4096, 11);
        for (int l = 0; l < names.Length; l++) Assert.Equal(byExponent.Layers[l].ExpertTokens, byLaw.Layers[l].ExpertTokens);
    }

    [Fact]
    public void Routing_drawn_from_the_power_law_is_as_skewed_as_the_cost_model_prices()
    {
        // 256 experts, top-8, 65,536 tokens (8 x 65,536 pairs: the sampling noise per expert is ~1.6% of the mean): the
        // experts' token counts spread as the law's coefficient of variation says, within sampling error over 256 draws.
        var stats = SyntheticRouting.Generate("m", new[] { "moe.0", "moe.1", "moe.2", "moe.3" }, 256, 8,
            new ExpertPopularity.PowerLaw(1.01, 65536, 8), 65536, 3);
        double expected = RoutingSkew.PopularityCv(1.01, 65536, 8, 256);
        foreach (var layer in stats.Layers)
        {
            var counts = layer.ExpertTokens.Select(c => (double)c).ToArray();
            double mean = counts.Average(), sd = Math.Sqrt(counts.Select(c => (c - mean) * (c - mean)).Average());
            Assert.Equal(65536 * 8, counts.Sum());
            Assert.InRange(sd / mean, 0.75 * expected, 1.25 * expected);
        }
    }
}
