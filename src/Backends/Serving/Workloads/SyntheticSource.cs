using System;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Serving.Workloads;

/// <summary>
/// Requests of a <c>poisson</c>, <c>offline</c> or <c>concurrency</c> workload, drawn from the project's SplitMix64:
/// lengths from one stream and arrival gaps from another, both seeded from <c>--seed</c>, so a seed gives the same
/// requests whatever the scheduler (schedulers are compared on the same traffic).
/// </summary>
public sealed class SyntheticSource : RequestSource
{
    private readonly WorkloadSpec _spec;
    private readonly SplitMix64 _lengths;
    private readonly SplitMix64 _gaps;
    private readonly long _total;
    private long _sent;
    private double _next;
    // Closed loop: arrival times of the requests the completions have released, oldest first (at most the concurrency).
    private readonly System.Collections.Generic.Queue<double> _released = new();

    public SyntheticSource(WorkloadSpec spec, long requests, ulong seed)
    {
        if (spec.Kind == WorkloadKind.Trace) throw new ArgumentException("a trace workload reads its file (TraceSource)");
        _spec = spec;
        _total = requests;
        _lengths = new SplitMix64(SplitMix64.Mix(seed ^ 0x6C656E67746873UL));
        _gaps = new SplitMix64(SplitMix64.Mix(seed ^ 0x61727269766C73UL));
        _next = spec.Kind == WorkloadKind.Poisson ? Gap() : 0;
        if (spec.Kind == WorkloadKind.Concurrency)
            for (long i = 0; i < Math.Min(spec.Clients, requests); i++) _released.Enqueue(0);
    }

    public override long Total => _total;

    public override double NextArrival => _sent >= _total ? double.PositiveInfinity
        : _spec.Kind == WorkloadKind.Concurrency ? (_released.Count > 0 ? _released.Peek() : double.PositiveInfinity)
        : _next;

    public override IncomingRequest Take()
    {
        double arrival = NextArrival;
        if (double.IsInfinity(arrival)) throw new InvalidOperationException("no request is due");
        if (_spec.Kind == WorkloadKind.Concurrency) _released.Dequeue();
        else if (_spec.Kind == WorkloadKind.Poisson) _next += Gap();
        _sent++;
        long prompt = _spec.Prompt.Sample(_lengths);
        long output = _spec.Output.Sample(_lengths);
        return new IncomingRequest(arrival, prompt, output);
    }

    public override void Completed(double time)
    {
        // Each completion frees a client, which sends its next request at once (benchmark_serving's semaphore).
        if (_spec.Kind == WorkloadKind.Concurrency && _sent + _released.Count < _total) _released.Enqueue(time);
    }

    /// <summary>An exponential gap between Poisson arrivals (1 - u keeps the log finite).</summary>
    private double Gap() => -Math.Log(1 - _gaps.NextDouble()) / _spec.Rate;
}
