using System;
using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Workloads;

/// <summary>
/// The requests one instance of a multi-engine deployment receives: the router's dispatches to a prefill instance, or the
/// requests prefill instances hand to a decode instance, each due at its own time (its arrival, or its prefill's end plus
/// the KV transfer), in due order. Completions go back to the traffic (<see cref="Upstream"/>), so a closed loop sends its
/// next request when a request completes anywhere.
/// </summary>
public sealed class HandoffQueue : RequestSource
{
    private readonly PriorityQueue<IncomingRequest, (double Due, long Order)> _pending = new();
    private long _order;

    public HandoffQueue(RequestSource upstream) { Upstream = upstream; }

    public RequestSource Upstream { get; }

    /// <summary>Requests pushed and not yet taken by the engine.</summary>
    public int Pending => _pending.Count;

    public override double NextArrival => _pending.TryPeek(out _, out var key) ? key.Due : double.PositiveInfinity;

    public override long Total => Upstream.Total;

    /// <summary>Queues <paramref name="request"/> to reach the engine at <paramref name="due"/> (ties in push order).</summary>
    public void Push(IncomingRequest request, double due) => _pending.Enqueue(request, (due, _order++));

    public override IncomingRequest Take() =>
        _pending.TryDequeue(out var r, out _) ? r : throw new InvalidOperationException("no request is due");

    public override void Completed(double time) => Upstream.Completed(time);
}
