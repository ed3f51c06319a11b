using System;

namespace GraphDsl.Backends.Serving.Metrics;

/// <summary>Mean and percentiles of a latency, as benchmark_serving prints them (milliseconds).</summary>
public readonly record struct Distribution(double Mean, double P50, double P90, double P99)
{
    public static readonly Distribution Empty = new(double.NaN, double.NaN, double.NaN, double.NaN);
}

/// <summary>The 0th to 100th percentiles of a latency (101 values in milliseconds, none without requests): its CDF, for
/// <c>serve --plot</c>. Equal when the values are, so reports of the same run compare equal.</summary>
public sealed record PercentileCurve(System.Collections.Generic.IReadOnlyList<double> Values)
{
    public static readonly PercentileCurve None = new(Array.Empty<double>());

    public bool Equals(PercentileCurve? other) => other is not null && System.Linq.Enumerable.SequenceEqual(Values, other.Values);

    public override int GetHashCode() => Values.Count == 0 ? 0 : HashCode.Combine(Values.Count, Values[0], Values[Values.Count - 1]);
}

/// <summary>One value per request (TTFT, TPOT, end-to-end latency), as floats: 4 bytes a request, so a run of
/// 10^6 requests keeps 4 MB per metric. Percentiles interpolate linearly between order statistics (numpy's default,
/// which benchmark_serving uses).</summary>
public sealed class PerRequestValues
{
    private float[] _values = new float[1024];
    private double _sum;

    public long Count { get; private set; }

    public void Add(double value)
    {
        if (Count == _values.Length) Array.Resize(ref _values, (int)Math.Min(int.MaxValue - 64, (long)_values.Length * 2));
        _values[Count++] = (float)value;
        _sum += value;
    }

    public Distribution Summarise()
    {
        if (Count == 0) return Distribution.Empty;
        var sorted = Sorted();
        return new Distribution(_sum / Count, At(sorted, 0.50), At(sorted, 0.90), At(sorted, 0.99));
    }

    /// <summary>The 0th to 100th percentiles (101 values, for a CDF plot); none without values.</summary>
    public PercentileCurve Percentiles()
    {
        if (Count == 0) return PercentileCurve.None;
        var sorted = Sorted();
        var p = new double[101];
        for (int i = 0; i <= 100; i++) p[i] = At(sorted, i / 100.0);
        return new PercentileCurve(p);
    }

    private float[]? _sorted;

    /// <summary>The values sorted, once per count (a report asks for the summary and the percentiles).</summary>
    private float[] Sorted()
    {
        if (_sorted is null || _sorted.Length != Count)
        {
            _sorted = _values.AsSpan(0, (int)Count).ToArray();
            Array.Sort(_sorted);
        }
        return _sorted;
    }

    private static double At(float[] sorted, double q)
    {
        double rank = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - (double)sorted[lo]);
    }
}

/// <summary>
/// A weighted histogram of inter-token latencies in logarithmic buckets (each 0.1% wider than the last, from 0.1 us
/// to 10^4 s: 25,300 counts, 200 KB), because a run emits one gap per token, 10^8 or more: the gaps of a decode step are
/// all its duration, so they are added as one value with the step's token count. A percentile is its bucket's geometric
/// middle, within 0.05% of the exact value; the mean is exact.
/// </summary>
public sealed class LatencyHistogram
{
    private const double Smallest = 1e-7, Largest = 1e4, Ratio = 1.001;
    private static readonly double LogRatio = Math.Log(Ratio);
    private static readonly int Buckets = (int)Math.Ceiling(Math.Log(Largest / Smallest) / LogRatio) + 1;
    private readonly long[] _counts = new long[Buckets];
    private double _sum;

    public long Count { get; private set; }

    /// <summary>Adds <paramref name="weight"/> gaps of <paramref name="seconds"/>.</summary>
    public void Add(double seconds, long weight = 1)
    {
        if (weight <= 0) return;
        int b = seconds <= Smallest ? 0 : (int)Math.Min(Buckets - 1, Math.Floor(Math.Log(seconds / Smallest) / LogRatio));
        _counts[b] += weight;
        Count += weight;
        _sum += seconds * weight;
    }

    /// <summary>In milliseconds.</summary>
    public Distribution Summarise()
    {
        if (Count == 0) return Distribution.Empty;
        return new Distribution(_sum / Count * 1e3, At(0.50) * 1e3, At(0.90) * 1e3, At(0.99) * 1e3);
    }

    private double At(double q)
    {
        long rank = (long)Math.Ceiling(q * Count);
        long seen = 0;
        for (int b = 0; b < Buckets; b++)
        {
            seen += _counts[b];
            if (seen >= Math.Max(1, rank)) return Smallest * Math.Pow(Ratio, b + 0.5);
        }
        return Largest;
    }
}
