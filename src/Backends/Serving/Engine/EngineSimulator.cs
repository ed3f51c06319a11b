using System;
using System.Collections.Generic;
using GraphDsl.Backends.Serving.Metrics;
using GraphDsl.Backends.Serving.Scheduling;
using GraphDsl.Backends.Serving.Workloads;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>One engine step as it ran, for traces: when, how long, and what it held.</summary>
public readonly record struct EngineStep(double Start, double Seconds, long Decodes, int Chunks, long PrefillTokens, long KvBlocksUsed, int Waiting, int Instance = 0);

/// <summary>
/// The engine: a discrete-event simulation whose events are engine steps. Before each step the requests that have
/// arrived join the waiting queue and the scheduler composes the step (<see cref="IScheduler"/>); the step's time
/// comes from the cost model (<see cref="StepPricer"/>); then time advances by it, the prefill chunks progress (a
/// completed prefill emits the request's next token and the request joins the decodes) and every decoding request
/// emits one token. The KV cache is paged (<see cref="KvCache"/>); when the decodes' next tokens do not fit, the latest
/// admitted request is preempted and recomputed later (vLLM's default, recompute). Per step the work is O(1) in the
/// decoding batch (<see cref="DecodeSet"/>) plus O(1) per prefill chunk, admission, completion and preemption.
/// </summary>
public sealed class EngineSimulator : IEngineView
{
    private readonly StepPricer _pricer;
    private readonly IScheduler _scheduler;
    private readonly KvCache _kv;
    private readonly RequestSource _source;
    private readonly ServingMetrics _metrics;
    private readonly Action<EngineStep>? _observer;

    private RequestState[] _requests = new RequestState[256];
    private readonly Stack<int> _freeSlots = new();
    private int _slotsUsed;
    private readonly LinkedList<int> _waiting = new();
    // Requests that arrived and wait for their first admission, in arrival order, behind every request of _waiting: kept as
    // the source sent them (56 bytes) rather than as a RequestState slot (136 bytes, in an array that doubles) and a list
    // node (48 bytes), so 10^7 requests queued behind an engine they outran held 3.4 GB; each takes a slot at the head.
    private readonly Queue<IncomingRequest> _arrived = new();
    private readonly List<int> _prefilling = new();
    private readonly DecodeSet _decoding = new(KvCache.BlockTokens);
    // Admission order of the requests in flight (latest last), for preemption; entries of finished or preempted
    // requests go stale with their version and are skipped.
    private readonly List<(int Request, int Version)> _admitted = new();
    // Requests that joined the decodes since the last decode step: their next gap starts at their join, not at that step.
    private readonly List<(int Request, int Version)> _fresh = new();
    private readonly StepBatch _step = new();
    private PrefillChunk[] _chunks = new PrefillChunk[64];

    private double _now, _lastDecodeEnd, _busy;
    private long _epoch;
    private bool _stalled;

    public EngineSimulator(StepPricer pricer, IScheduler scheduler, KvCache kv, RequestSource source, ServingMetrics metrics, Action<EngineStep>? observer = null)
    {
        _pricer = pricer; _scheduler = scheduler; _kv = kv; _source = source; _metrics = metrics; _observer = observer;
    }

    /// <summary>Seconds the engine spent running steps.</summary>
    public double BusySeconds => _busy;

    /// <summary>A prefill instance's (disaggregated or co-located serving): a request whose prefill has produced its first
    /// token, with more to generate, leaves this engine and is handed here, its first token out at the engine's time.</summary>
    public Action<IncomingRequest>? HandOff { get; init; }

    /// <summary>Whether a handed-off request's KV blocks stay allocated (the receiving engine shares this cache) rather than
    /// being freed here (they were copied to another instance's cache).</summary>
    public bool HandOffKeepsKv { get; init; }

    /// <summary>Which instance this engine is, in a deployment of several (trace tracks).</summary>
    public int Instance { get; init; }

    /// <summary>The engine's clock: the end of its last step.</summary>
    public double Now => _now;

    /// <summary>When this engine acts next: now when it has requests to run, else its source's next arrival (+infinity when
    /// none is due, or while it waits on a cache another engine holds).</summary>
    public double NextEventTime => _stalled ? double.PositiveInfinity
        : InFlight > 0 || Waiting > 0 ? _now : Math.Max(_now, _source.NextArrival);

    /// <summary>Runs until every request of the source has completed or been rejected.</summary>
    public void Run()
    {
        while (Advance()) { }
    }

    /// <summary>One turn of the engine: the arrivals due join the queue and one step runs (or the clock moves to the next
    /// arrival when nothing can run). False when nothing is left to do.</summary>
    public bool Advance()
    {
        Arrivals();
        if (InFlight == 0 && Waiting == 0)
        {
            if (double.IsPositiveInfinity(_source.NextArrival)) return false;
            _now = Math.Max(_now, _source.NextArrival);
            return true;
        }
        _step.Clear();
        _scheduler.Schedule(this, _step);
        if (_step.IsEmpty)
        {
            // Nothing can run until more requests arrive (a static batch's next requests, say), or, when another engine
            // shares the cache, until it frees blocks (it wakes this one).
            if (InFlight == 0 && SharesCache && double.IsPositiveInfinity(_source.NextArrival)) { _stalled = true; return true; }
            if (InFlight > 0 || double.IsPositiveInfinity(_source.NextArrival))
                throw new InvalidOperationException($"{_scheduler.Description} scheduled nothing with {InFlight} request(s) in flight and {Waiting} waiting");
            _now = Math.Max(_now, _source.NextArrival);
            return true;
        }
        Execute();
        return true;
    }

    /// <summary>Whether another engine allocates from this engine's cache (co-located streams).</summary>
    public bool SharesCache { get; init; }

    /// <summary>Another engine sharing the cache ran a step ending at <paramref name="time"/>: a stalled engine tries again then.</summary>
    public void Wake(double time)
    {
        if (!_stalled) return;
        _stalled = false;
        _now = Math.Max(_now, time);
    }

    private void Arrivals()
    {
        while (_source.NextArrival <= _now)
        {
            var incoming = _source.Take();
            // A request whose final length cannot fit in the whole cache could never complete (engines refuse it).
            if (KvCache.BlocksFor(incoming.Prompt + incoming.Output) > _kv.TotalBlocks)
            {
                _metrics.Rejected();
                _source.Completed(_now);
                continue;
            }
            if (incoming.KvResident) AheadOfOthers(Slot(incoming));
            else _arrived.Enqueue(incoming);
        }
    }

    /// <summary>The request that arrived as <paramref name="incoming"/>, in a slot of its own, waiting.</summary>
    private int Slot(IncomingRequest incoming)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : NewSlot();
        ref var r = ref _requests[slot];
        r = new RequestState
        {
            Phase = RequestPhase.Waiting, Version = r.Version + 1, Arrival = incoming.Arrival, Prompt = incoming.Prompt, Output = incoming.Output,
            Target = incoming.Prompt, FirstToken = double.NaN, LastToken = double.NaN,
            Prefix = _kv.Prefixes is null ? 0 : incoming.Prefix, PrefixTokens = incoming.PrefixTokens,
        };
        if (incoming.HandedOff)
        {
            // Its prefill ran on another instance, which emitted its first token; its prompt's cache came with it.
            r.FirstToken = incoming.FirstToken;
            r.JoinTime = incoming.FirstToken;
            r.Generated = 1;
            r.Prefilled = r.Target;
            r.CacheArrived = true;
            r.CacheResident = incoming.KvResident;
        }
        return slot;
    }

    /// <summary>The head of the queue: the first of the requests waiting in slots, else the earliest arrival, given its slot.</summary>
    private LinkedListNode<int>? Head()
    {
        if (_waiting.First is null && _arrived.Count > 0) _waiting.AddLast(Slot(_arrived.Dequeue()));
        return _waiting.First;
    }

    /// <summary>A request whose blocks this shared cache already holds goes ahead of those that still need blocks (after the
    /// others like it), so a request waiting for room can never hold back the ones that would free it.</summary>
    private void AheadOfOthers(int slot)
    {
        var node = _waiting.First;
        while (node is not null && _requests[node.Value].CacheResident) node = node.Next;
        if (node is null) _waiting.AddLast(slot);
        else _waiting.AddBefore(node, slot);
    }

    private int NewSlot()
    {
        if (_slotsUsed == _requests.Length) Array.Resize(ref _requests, _requests.Length * 2);
        return _slotsUsed++;
    }

    private void Execute()
    {
        var chunks = _step.Chunks;
        if (_chunks.Length < chunks.Count) Array.Resize(ref _chunks, Math.Max(chunks.Count, _chunks.Length * 2));
        long prefillTokens = 0, emitted = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            var (req, tokens) = chunks[i];
            _chunks[i] = new PrefillChunk(tokens, _requests[req].Prefilled + tokens);
            prefillTokens += tokens;
            // A chunk that completes its prompt samples the request's next token.
            if (_requests[req].Prefilled + tokens >= _requests[req].Target) emitted++;
        }
        long decodes = _step.Decodes ? _decoding.Count : 0;
        double seconds = _pricer.StepSeconds(_chunks.AsSpan(0, chunks.Count), decodes, decodes > 0 ? _decoding.ContextSumAt(_epoch) : 0);
        if (decodes > 0) _kv.Allocate(_decoding.NewBlocksAt(_epoch));
        double start = _now;
        _now += seconds;
        _busy += seconds;
        _metrics.Step(start, seconds, decodes + chunks.Count, (double)_kv.ActiveBlocks / _kv.TotalBlocks, InFlight, Waiting, decodes + emitted, prefillTokens);
        _observer?.Invoke(new EngineStep(start, seconds, decodes, chunks.Count, prefillTokens, _kv.UsedBlocks, Waiting, Instance));
        if (decodes > 0) DecodeStepDone();
        for (int i = 0; i < chunks.Count; i++) ChunkDone(chunks[i].Request, chunks[i].Tokens);
        if (chunks.Count > 0) _prefilling.RemoveAll(r => _requests[r].Phase != RequestPhase.Prefilling);
    }

    private void DecodeStepDone()
    {
        long fresh = 0;
        foreach (var (req, version) in _fresh)
        {
            ref var r = ref _requests[req];
            if (r.Version != version || r.Phase != RequestPhase.Decoding) continue;
            _metrics.Gaps(_now - r.JoinTime, 1);
            fresh++;
        }
        _fresh.Clear();
        _metrics.Gaps(_now - _lastDecodeEnd, _decoding.Count - fresh);
        _lastDecodeEnd = _now;
        _epoch++;
        var heap = _decoding.Finishing;
        while (heap.Count > 0 && heap.Peek.Key <= _epoch)
        {
            var (_, req, version) = heap.Pop();
            ref var r = ref _requests[req];
            if (r.Version != version || r.Phase != RequestPhase.Decoding) continue;
            _decoding.Remove(r);
            ReleaseBlocks(ref r, DecodeSet.CacheLength(r, _epoch));
            Finish(req);
        }
    }

    private void ChunkDone(int req, long tokens)
    {
        ref var r = ref _requests[req];
        r.Prefilled += tokens;
        if (r.Prefilled < r.Target) return;
        // Its prefix's blocks, computed now, become the cached prefix's (prefix caching), shared from here on.
        if (r.Prefix != 0 && r.SharedBlocks == 0 && _kv.Prefixes is { } prefixes)
            r.SharedBlocks = prefixes.Computed(r.Prefix, Math.Min(r.Target, r.PrefixTokens > 0 ? r.PrefixTokens : r.Prompt));
        // The prefill's forward pass samples the request's next token.
        if (double.IsNaN(r.FirstToken)) r.FirstToken = _now;
        else _metrics.Gaps(_now - r.LastToken, 1);
        r.Generated++;
        if (r.Generated >= r.Output)
        {
            ReleaseBlocks(ref r, r.Target);
            Finish(req);
            return;
        }
        if (HandOff is { } handOff)
        {
            if (!HandOffKeepsKv) ReleaseBlocks(ref r, r.Target);
            handOff(new IncomingRequest(r.Arrival, r.Prompt, r.Output, _now, HandOffKeepsKv));
            Free(req);
            return;
        }
        r.JoinTime = _now;
        JoinDecodes(req);
    }

    private void JoinDecodes(int req)
    {
        ref var r = ref _requests[req];
        r.Phase = RequestPhase.Decoding;
        r.KvAtJoin = r.Target;
        r.JoinEpoch = _epoch;
        _decoding.Add(ref r, req);
        _fresh.Add((req, r.Version));
    }

    private void Finish(int req)
    {
        ref var r = ref _requests[req];
        _metrics.Finished(r.Arrival, r.FirstToken, _now, r.Prompt, r.Output);
        Free(req);
        _source.Completed(_now);
    }

    /// <summary>Frees the blocks of a request whose cache holds <paramref name="tokens"/> tokens: its own, and its reference
    /// to a cached prefix's.</summary>
    private void ReleaseBlocks(ref RequestState r, long tokens)
    {
        _kv.Release(KvCache.BlocksFor(tokens) - r.SharedBlocks);
        if (r.SharedBlocks > 0) _kv.Prefixes!.Release(r.Prefix);
        r.SharedBlocks = 0;
    }

    private void Free(int req)
    {
        ref var r = ref _requests[req];
        r.Phase = RequestPhase.Free;
        r.Version++;
        _freeSlots.Push(req);
    }

    // ---- IEngineView ---------------------------------------------------------------------------------------------

    public int InFlight => _prefilling.Count + (int)_decoding.Count;
    public long Decoding => _decoding.Count;
    public int Waiting => _waiting.Count + _arrived.Count;
    public long HeadPrefillTokens => Head() is { } h ? _requests[h.Value].Target : 0;
    public long HeadFinalTokens => Head() is { } h ? _requests[h.Value].Prompt + _requests[h.Value].Output : 0;
    public long FreeBlocks => _kv.FreeBlocks;
    public IReadOnlyList<int> Prefilling => _prefilling;
    public long PrefillLeft(int request) => _requests[request].Target - _requests[request].Prefilled;

    public int TryAdmitHead()
    {
        if (Head() is not { } head) return -1;
        int req = head.Value;
        ref var r = ref _requests[req];
        long keep = InFlight > 0 ? _kv.WatermarkBlocks : 0;
        if (r.CacheArrived)
        {
            // A handed-off request joins the decodes at once: its prompt's blocks (already held when the cache is shared)
            // and room for the token its first decode step writes.
            long blocks = r.CacheResident ? 0 : KvCache.BlocksFor(r.Target);
            if (!r.CacheResident && KvCache.BlocksFor(r.Target + 1) + keep > _kv.FreeBlocks) return -1;
            _waiting.RemoveFirst();
            _kv.Allocate(blocks);
            r.CacheArrived = r.CacheResident = false;
            _admitted.Add((req, r.Version));
            JoinDecodes(req);
            return req;
        }
        // A cached prefix is referenced, not held again, and its tokens are not prefilled (prefix caching).
        var (hit, reclaimed) = _kv.Prefixes?.Lookup(r.Prefix, r.Target) ?? (0, 0);
        long need = KvCache.BlocksFor(r.Target) - hit / KvCache.BlockTokens;
        if (need + keep + reclaimed > _kv.FreeBlocks) return -1;
        _waiting.RemoveFirst();
        _kv.Prefixes?.Admitted(r.Prefix, r.Target, hit);
        _kv.Allocate(need);
        r.SharedBlocks = hit / KvCache.BlockTokens;
        r.Phase = RequestPhase.Prefilling;
        r.Prefilled = hit;
        _prefilling.Add(req);
        _admitted.Add((req, r.Version));
        if (_admitted.Count > 4 * InFlight + 1024) _admitted.RemoveAll(a => _requests[a.Request].Version != a.Version || _requests[a.Request].Phase is RequestPhase.Free or RequestPhase.Waiting);
        return req;
    }

    public void MakeRoomForDecodes()
    {
        while (_decoding.Count > 0 && _decoding.NewBlocksAt(_epoch) > _kv.FreeBlocks)
        {
            if (!PreemptLatest()) throw new InvalidOperationException("the KV cache cannot hold the decodes' next tokens and nothing can be preempted");
        }
    }

    /// <summary>Preempts the latest admitted request in flight: its blocks are freed and it waits at the head of the
    /// queue to recompute its prompt and the tokens it has generated.</summary>
    private bool PreemptLatest()
    {
        while (_admitted.Count > 0)
        {
            var (req, version) = _admitted[^1];
            _admitted.RemoveAt(_admitted.Count - 1);
            ref var r = ref _requests[req];
            if (r.Version != version || r.Phase is RequestPhase.Free or RequestPhase.Waiting) continue;
            if (r.Phase == RequestPhase.Decoding)
            {
                _decoding.Remove(r);
                ReleaseBlocks(ref r, DecodeSet.CacheLength(r, _epoch));
                r.LastToken = Math.Max(r.JoinTime, _lastDecodeEnd);
            }
            else
            {
                _prefilling.Remove(req);
                ReleaseBlocks(ref r, r.Target);
            }
            r.Version++;
            r.Phase = RequestPhase.Waiting;
            r.Target = r.Prompt + r.Generated;
            r.Prefilled = 0;
            r.Preemptions++;
            _waiting.AddFirst(req);
            _metrics.Preempted();
            return true;
        }
        return false;
    }
}
