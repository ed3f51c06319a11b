using System;
using System.Collections.Generic;
using GraphDsl.Backends.Serving.Metrics;
using GraphDsl.Backends.Serving.Scheduling;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>One engine of a group: how its steps are priced, its scheduler and its KV cache.</summary>
public sealed record EngineSetup(StepPricer Pricer, IScheduler Scheduler, KvCache Kv);

/// <summary>
/// Prefill engines and decode engines on one clock (disaggregated serving, or co-located streams). A request arrives at
/// the prefill engine with the shortest queue and the first token its prefill emits hands it to the least loaded decode
/// engine, where it is due after the KV transfer (DistServe's controller, OSDI '24 section 4.4). The group always advances
/// the engine whose clock is earliest (a conservative discrete-event simulation): every engine behind it has already
/// produced whatever it hands over up to then, so no engine runs a step without the requests due before it.
/// </summary>
public sealed class EngineGroup
{
    private readonly EngineSimulator[] _prefill, _decode, _all;
    private readonly HandoffQueue[] _prefillQueues, _decodeQueues;
    private readonly RequestSource _source;
    private readonly Func<int, int, long, double> _transferSeconds;
    private readonly bool _sharedCache;

    /// <param name="transferSeconds">seconds to move a prompt's KV cache of the given tokens from prefill instance i to decode instance j.</param>
    /// <param name="sharedCache">the engines share one KV cache (co-located streams): a handed-off request keeps its blocks.</param>
    public EngineGroup(IReadOnlyList<EngineSetup> prefill, IReadOnlyList<EngineSetup> decode, RequestSource source, ServingMetrics metrics,
        Func<int, int, long, double> transferSeconds, bool sharedCache, Action<EngineStep>? observer = null)
    {
        _source = source; _transferSeconds = transferSeconds; _sharedCache = sharedCache;
        _prefillQueues = new HandoffQueue[prefill.Count];
        _prefill = new EngineSimulator[prefill.Count];
        for (int i = 0; i < prefill.Count; i++)
        {
            int instance = i;
            _prefillQueues[i] = new HandoffQueue(source);
            _prefill[i] = new EngineSimulator(prefill[i].Pricer, prefill[i].Scheduler, prefill[i].Kv, _prefillQueues[i], metrics, observer)
            {
                HandOff = r => HandOff(instance, r), HandOffKeepsKv = sharedCache, SharesCache = sharedCache, Instance = i,
            };
        }
        _decodeQueues = new HandoffQueue[decode.Count];
        _decode = new EngineSimulator[decode.Count];
        for (int j = 0; j < decode.Count; j++)
        {
            _decodeQueues[j] = new HandoffQueue(source);
            _decode[j] = new EngineSimulator(decode[j].Pricer, decode[j].Scheduler, decode[j].Kv, _decodeQueues[j], metrics, observer)
            {
                SharesCache = sharedCache, Instance = prefill.Count + j,
            };
        }
        _all = [.. _prefill, .. _decode];
    }

    /// <summary>Simulates the requests of <paramref name="source"/> on a new group and reports the run over the deployment's
    /// <paramref name="gpus"/> and every distinct cache's blocks, under <paramref name="description"/>, with
    /// <paramref name="shownKv"/> as the run's cache.</summary>
    public static ServingRun Simulate(IReadOnlyList<EngineSetup> prefill, IReadOnlyList<EngineSetup> decode, RequestSource source, SloSpec? slo,
        Func<int, int, long, double> transferSeconds, bool sharedCache, Action<EngineStep>? observer, int gpus, string description, KvCache shownKv)
    {
        var metrics = new ServingMetrics(slo);
        var group = new EngineGroup(prefill, decode, source, metrics, transferSeconds, sharedCache, observer);
        group.Run();
        var caches = new HashSet<KvCache>(ReferenceEqualityComparer.Instance);
        long blocks = 0;
        foreach (var e in prefill) if (caches.Add(e.Kv)) blocks += e.Kv.TotalBlocks;
        foreach (var e in decode) if (caches.Add(e.Kv)) blocks += e.Kv.TotalBlocks;
        return new ServingRun(metrics.Report(gpus, blocks, KvCache.BlockTokens, group.BusySeconds), description, shownKv);
    }

    /// <summary>Seconds the engines spent running steps, summed.</summary>
    public double BusySeconds
    {
        get { double s = 0; foreach (var e in _all) s += e.BusySeconds; return s; }
    }

    /// <summary>Runs until every request of the source has completed or been rejected.</summary>
    public void Run()
    {
        while (true)
        {
            EngineSimulator? next = null;
            double at = double.PositiveInfinity;
            foreach (var e in _all)
            {
                double t = e.NextEventTime;
                if (t < at) { at = t; next = e; }
            }
            double arrival = _source.NextArrival;
            if (!double.IsPositiveInfinity(arrival) && arrival <= at)
            {
                int p = LeastLoaded(_prefill, _prefillQueues);
                _prefillQueues[p].Push(_source.Take(), arrival);
                continue;
            }
            if (next is null) break;
            next.Advance();
            if (_sharedCache) foreach (var e in _all) if (e != next) e.Wake(next.Now);
        }
        foreach (var e in _all)
            if (e.InFlight > 0 || e.Waiting > 0)
                throw new InvalidOperationException($"engine {e.Instance} stalled with {e.InFlight} request(s) in flight and {e.Waiting} waiting");
    }

    private void HandOff(int prefill, IncomingRequest r)
    {
        int d = LeastLoaded(_decode, _decodeQueues);
        double due = _prefill[prefill].Now + _transferSeconds(prefill, d, r.Prompt);
        _decodeQueues[d].Push(r with { FirstToken = due }, due);
    }

    /// <summary>The engine with the fewest requests queued, waiting and in flight (the first on a tie).</summary>
    private static int LeastLoaded(EngineSimulator[] engines, HandoffQueue[] queues)
    {
        int best = 0;
        long load = long.MaxValue;
        for (int i = 0; i < engines.Length; i++)
        {
            long l = engines[i].InFlight + engines[i].Waiting + queues[i].Pending;
            if (l < load) { load = l; best = i; }
        }
        return best;
    }
}
