namespace GraphDsl.Backends.Serving.Workloads;

/// <summary>One request as the traffic sends it: when it arrives (seconds from the start) and its prompt and output tokens.
/// A request handed from a prefill instance to a decode instance (disaggregated or co-located serving) carries the time its
/// first token was out (<see cref="FirstToken"/>, NaN otherwise): its prompt's KV cache comes with it and it joins the
/// decodes without a prefill; <see cref="KvResident"/> when those blocks are already held in the receiving engine's cache
/// (the two engines share one, as co-located streams do). <see cref="Prefix"/> names the request's shared prefix (a trace's
/// <c>prefix</c>, hashed; 0 for none) and <see cref="PrefixTokens"/> its length (0: the whole prompt of the first request
/// with the id), for prefix caching.</summary>
public readonly record struct IncomingRequest(double Arrival, long Prompt, long Output, double FirstToken = double.NaN, bool KvResident = false,
    long Prefix = 0, long PrefixTokens = 0)
{
    public bool HandedOff => !double.IsNaN(FirstToken);
}

/// <summary>
/// Where requests come from, in arrival order. Open-loop sources (Poisson, offline, a trace) know every arrival in
/// advance; a closed-loop one (a concurrency) sends the next request when one completes, so the engine tells it
/// (<see cref="Completed"/>). Sources draw requests one at a time: a run of 10^6 requests never holds them all.
/// </summary>
public abstract class RequestSource
{
    /// <summary>When the next request arrives; +infinity when none is due (all sent, or a closed loop waiting for a completion).</summary>
    public abstract double NextArrival { get; }

    /// <summary>Takes the next request (only when <see cref="NextArrival"/> is finite).</summary>
    public abstract IncomingRequest Take();

    /// <summary>A request completed at <paramref name="time"/> (closed loops send the next one then).</summary>
    public virtual void Completed(double time) { }

    /// <summary>Requests this source sends in all.</summary>
    public abstract long Total { get; }
}
