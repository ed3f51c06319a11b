using System;
using System.Collections.Concurrent;

namespace GraphDsl.Backends.CostModel.Moe;

/// <summary>
/// Skewed expert popularity without routing statistics, as NVIDIA AIConfigurator models serving workloads
/// (docs/POWER_LAW_DISTRIBUTION.md of ai-dynamo/aiconfigurator): the tokens each expert receives are drawn
/// from a power law p(x) ~ x^-alpha truncated to [1, 0.8 T] for T tokens routed (to [0.01, 2] when
/// T x top_k does not exceed the experts), then scaled to T x top_k. alpha = 0 is uniform routing, every expert
/// equally popular (AIConfigurator's collector switches to balanced_logits there), not the formula's limit: any alpha
/// above 0 draws the loads, and alpha -> 0+ is the uniform law on [1, 0.8 T], coefficient of variation 0.58.
/// The spread rises with alpha only up to <see cref="MaxExponent"/>: past 2 the mass piles up at the lower bound and
/// the loads even out again (alpha and 4 - alpha give the same spread), so exponents are taken from 0 to 2.
/// A GPU holding L of the experts carries the sum of L such loads; the busiest of n GPUs is taken as the
/// mean plus E[max of n standard normals] standard deviations of that sum (checked against sampling:
/// within 3-10% for L >= 16 experts per GPU).
/// </summary>
public static class RoutingSkew
{
    /// <summary>
    /// The largest exponent whose meaning is "more skew". The truncated moments m_k = integral of x^(k - alpha) over
    /// [a, b] satisfy m_k(4 - alpha) = (ab)^(k + 1 - alpha) m_(2-k)(alpha) (substitute x = ab / y), so
    /// cv^2 = m_0 m_2 / m_1^2 - 1 is symmetric about alpha = 2, where it peaks: DeepSeek-V3 EP8 prefill took
    /// 5.5 s at alpha 2 and 3.5 s at 10, as fast as uniform routing. AIConfigurator's own exponents are 1.01 and 1.2
    /// ("above 1.5: extreme skew").
    /// </summary>
    public const double MaxExponent = 2;

    /// <summary>Coefficient of variation (standard deviation over mean) of one expert's load: 0 at alpha = 0,
    /// non-decreasing in alpha over (0, <see cref="MaxExponent"/>]; a larger alpha is refused.</summary>
    public static double PopularityCv(double alpha, double tokens, double topK, double experts)
    {
        if (!(alpha <= MaxExponent)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"the power-law exponent must be from 0 to {MaxExponent}");
        if (alpha <= 0 || tokens <= 0) return 0;
        var (a, b) = Bounds(tokens, topK, experts);
        if (b <= a) return 0;
        double m0 = PowerIntegral(-alpha, a, b), m1 = PowerIntegral(1 - alpha, a, b), m2 = PowerIntegral(2 - alpha, a, b);
        double mean = m1 / m0, square = m2 / m0;
        return Math.Sqrt(Math.Max(0, square / (mean * mean) - 1));
    }

    /// <summary>The interval AIConfigurator truncates the law to: [1, 0.8 T] for T tokens routed, or [0.01, 2] when
    /// T x top_k does not exceed the experts.</summary>
    public static (double Low, double High) Bounds(double tokens, double topK, double experts) =>
        tokens * topK > experts ? (1.0, 0.8 * tokens) : (0.01, 2.0);

    /// <summary>The load at quantile <paramref name="u"/> (in [0, 1)) of the law x^-alpha truncated to [a, b]: the inverse
    /// of its distribution function (AIConfigurator's sample_power_law draws the same way).</summary>
    public static double LoadAt(double u, double alpha, double a, double b)
    {
        if (!(b > a)) return a;
        if (Math.Abs(alpha - 1) < 1e-9) return a * Math.Pow(b / a, u);
        double e = 1 - alpha, lo = Math.Pow(a, e), hi = Math.Pow(b, e);
        return Math.Pow(lo + u * (hi - lo), 1 / e);
    }

    /// <summary>Integral of x^e over [a, b] (the log at e = -1).</summary>
    private static double PowerIntegral(double e, double a, double b) =>
        Math.Abs(e + 1) < 1e-9 ? Math.Log(b / a) : (Math.Pow(b, e + 1) - Math.Pow(a, e + 1)) / (e + 1);

    private static readonly ConcurrentDictionary<int, double> MaxOfNormals = new();

    /// <summary>E[max of n independent standard normals] (0 for n = 1; 1.42 for 8; 2.04 for 32), by
    /// Simpson's rule over [-9, 9] of x n phi(x) Phi(x)^(n-1).</summary>
    public static double ExpectedMaxOfNormals(int n) => n <= 1 ? 0 : MaxOfNormals.GetOrAdd(n, static k =>
    {
        const int Steps = 3600;
        const double Lo = -9, Hi = 9, H = (Hi - Lo) / Steps;
        double sum = 0;
        for (int i = 0; i <= Steps; i++)
        {
            double x = Lo + i * H;
            double f = x * k * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI) * Math.Pow(NormalCdf(x), k - 1);
            sum += f * (i == 0 || i == Steps ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return sum * H / 3;
    });

    /// <summary>Standard normal CDF from erfc (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7).</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>
    /// Token-expert pairs on the busiest of <paramref name="shards"/> GPUs, each holding <paramref name="localExperts"/>
    /// of <paramref name="experts"/> experts, when <paramref name="tokens"/> tokens each pick <paramref name="topK"/>:
    /// the mean plus E[max] standard deviations, where the variance adds which GPU each pair lands on (binomial) and,
    /// for alpha > 0, the experts' skewed popularity. No GPU gets more than all pairs, nor an expert more than every token.
    /// </summary>
    public static double BusiestPairs(double tokens, double topK, double experts, double localExperts, double alpha, double maxOfNormals)
    {
        double pairs = tokens * topK, share = localExperts / experts, mean = pairs * share;
        if (experts <= localExperts || mean <= 0) return mean;
        double variance = pairs * share * (1 - share);
        double cv = PopularityCv(alpha, tokens, topK, experts);
        variance += cv * cv * mean * mean / localExperts;
        return Math.Min(mean + maxOfNormals * Math.Sqrt(variance), Math.Min(pairs, localExperts * tokens));
    }
}
