namespace GraphDsl.Backends.Serving.Engine;

public enum RequestPhase : byte { Free, Waiting, Prefilling, Decoding }

/// <summary>
/// One request inside the engine. Its tokens: <see cref="Target"/> is what its (next) prefill computes (the prompt; after
/// a preemption, the prompt and every token generated so far, recomputed), <see cref="Prefilled"/> how much of that is
/// done. While decoding, its cache length is not stored but follows from the engine's decode-step counter
/// (<see cref="DecodeSet"/>): <see cref="KvAtJoin"/> + (epoch - <see cref="JoinEpoch"/>).
/// </summary>
public struct RequestState
{
    public RequestPhase Phase;
    /// <summary>Bumped whenever the request leaves a phase for good (finished, preempted) or its slot is reused, so stale
    /// heap and stack entries that name it are recognised and skipped.</summary>
    public int Version;
    public double Arrival;
    public long Prompt;
    public long Output;
    public long Generated;
    public long Target;
    public long Prefilled;
    public double FirstToken;
    /// <summary>When it last emitted a token before a preemption (for the gap its next token ends).</summary>
    public double LastToken;
    /// <summary>When its latest prefill ended and it joined the decodes.</summary>
    public double JoinTime;
    public long KvAtJoin;
    public long JoinEpoch;
    public int Preemptions;
    /// <summary>Handed off by a prefill instance and not yet admitted: its prompt's cache arrived with it (already held in
    /// this engine's cache when <see cref="CacheResident"/>), so admission joins it to the decodes without a prefill.</summary>
    public bool CacheArrived;
    public bool CacheResident;
    /// <summary>Its shared prefix (hashed id, 0 for none) and the prefix's tokens (0: the whole prompt), for prefix caching.</summary>
    public long Prefix;
    public long PrefixTokens;
    /// <summary>Blocks of its cache that are a cached prefix's, referenced rather than held (prefix caching).</summary>
    public long SharedBlocks;
}
