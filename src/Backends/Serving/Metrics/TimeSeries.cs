using System;
using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Metrics;

/// <summary>One interval of a run: when it starts, and what the engines did in it.</summary>
/// <param name="StartSeconds">the interval's start (it lasts <see cref="TimeSeries.IntervalSeconds"/>).</param>
/// <param name="Running">requests in flight (admitted, holding KV blocks), time-weighted mean over the interval, summed over the engines.</param>
/// <param name="Waiting">requests queued for admission, time-weighted mean, summed over the engines.</param>
/// <param name="Batch">sequences per engine step (decodes and prefill chunks), mean over the steps that start in the interval (0 when none does).</param>
/// <param name="KvUtilization">used KV blocks over all, mean over the engines' busy time in the interval (0 when idle).</param>
/// <param name="OutputTokensPerSecond">tokens the steps ending in the interval emitted (each decode's, and each completed prefill's first), per second.</param>
/// <param name="PrefillTokensPerSecond">prompt tokens (and recomputed ones) the steps ending in the interval prefilled, per second.</param>
/// <param name="Completed">requests completed in the interval.</param>
public readonly record struct TimePoint(double StartSeconds, double Running, double Waiting, double Batch, double KvUtilization,
    double OutputTokensPerSecond, double PrefillTokensPerSecond, long Completed);

/// <summary>A run's intervals, compared by value (so two reports of the same run are equal, as records of values are).</summary>
public sealed class TimePoints : IReadOnlyList<TimePoint>, IEquatable<TimePoints>
{
    private readonly TimePoint[] _points;

    public TimePoints(TimePoint[] points) { _points = points; }

    public static readonly TimePoints None = new(Array.Empty<TimePoint>());

    public TimePoint this[int index] => _points[index];
    public int Count => _points.Length;
    public IEnumerator<TimePoint> GetEnumerator() => ((IEnumerable<TimePoint>)_points).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _points.GetEnumerator();

    public bool Equals(TimePoints? other) => other is not null && _points.AsSpan().SequenceEqual(other._points);
    public override bool Equals(object? obj) => Equals(obj as TimePoints);
    public override int GetHashCode() => _points.Length;
}

/// <summary>
/// The run per interval of time: one second, doubled (neighbouring intervals merged) whenever the run outgrows
/// <see cref="MaxPoints"/> intervals, so memory and output stay bounded (an hour at one-second resolution) however long
/// the run. A step's in-flight, waiting and KV figures are spread over the intervals it overlaps, weighted by the overlap;
/// its tokens count where it ends.
/// </summary>
public sealed class TimeSeries
{
    /// <summary>The most intervals kept.</summary>
    public const int MaxPoints = 3600;

    private struct Bucket
    {
        public double Running, Waiting, Busy, Kv;
        public long Steps, Sequences, Output, Prefill, Completed;

        public void Add(in Bucket b)
        {
            Running += b.Running; Waiting += b.Waiting; Busy += b.Busy; Kv += b.Kv;
            Steps += b.Steps; Sequences += b.Sequences; Output += b.Output; Prefill += b.Prefill; Completed += b.Completed;
        }
    }

    private readonly List<Bucket> _buckets = new();

    /// <summary>Seconds per interval: 1, or a power of two when the run is longer than <see cref="MaxPoints"/> seconds.</summary>
    public double IntervalSeconds { get; private set; } = 1;

    /// <summary>Adds an engine step of <paramref name="seconds"/> from <paramref name="start"/>.</summary>
    public void Step(double start, double seconds, long sequences, int running, int waiting, double kvShare, long emitted, long prefillTokens)
    {
        double end = start + seconds;
        var buckets = Through(end);
        ref var first = ref buckets[Index(start)];
        first.Steps++;
        first.Sequences += sequences;
        ref var last = ref buckets[Index(end)];
        last.Output += emitted;
        last.Prefill += prefillTokens;
        for (int i = Index(start); i <= Index(end); i++)
        {
            double overlap = Math.Min(end, (i + 1) * IntervalSeconds) - Math.Max(start, i * IntervalSeconds);
            if (overlap <= 0) continue;
            ref var b = ref buckets[i];
            b.Running += running * overlap;
            b.Waiting += waiting * overlap;
            b.Busy += overlap;
            b.Kv += kvShare * overlap;
        }
    }

    public void Completed(double at) => Through(at)[Index(at)].Completed++;

    /// <summary>The intervals from time 0 to <paramref name="end"/> (the run's last completion).</summary>
    public TimePoints Points(double end)
    {
        int n = Math.Min(_buckets.Count, Math.Max(1, (int)Math.Ceiling(end / IntervalSeconds)));
        var points = new TimePoint[n];
        double w = IntervalSeconds;
        for (int i = 0; i < n; i++)
        {
            var b = _buckets[i];
            points[i] = new TimePoint(i * w, b.Running / w, b.Waiting / w, b.Steps > 0 ? (double)b.Sequences / b.Steps : 0,
                b.Busy > 0 ? b.Kv / b.Busy : 0, b.Output / w, b.Prefill / w, b.Completed);
        }
        return new TimePoints(points);
    }

    private int Index(double t) => (int)(Math.Max(0, t) / IntervalSeconds);

    /// <summary>The intervals, made through time <paramref name="t"/> (widened while <paramref name="t"/> lies past
    /// <see cref="MaxPoints"/> of them). Valid until the next call.</summary>
    private Span<Bucket> Through(double t)
    {
        while (Math.Max(0, t) / IntervalSeconds >= MaxPoints) Widen();
        int i = Index(t);
        while (_buckets.Count <= i) _buckets.Add(default);
        return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buckets);
    }

    /// <summary>Doubles the interval: each pair of neighbouring intervals becomes one.</summary>
    private void Widen()
    {
        var merged = new List<Bucket>((_buckets.Count + 1) / 2);
        for (int i = 0; i < _buckets.Count; i += 2)
        {
            var b = _buckets[i];
            if (i + 1 < _buckets.Count) b.Add(_buckets[i + 1]);
            merged.Add(b);
        }
        _buckets.Clear();
        _buckets.AddRange(merged);
        IntervalSeconds *= 2;
    }
}
