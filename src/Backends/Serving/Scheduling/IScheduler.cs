using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Scheduling;

/// <summary>
/// What a scheduler sees of the engine and may do to it before a step: admit the waiting request at the head of the
/// queue (it then holds the KV blocks of its prefill), make room for the decodes' next tokens (preempting the latest
/// admitted requests by recomputation when the cache is full), and read the requests in flight.
/// </summary>
public interface IEngineView
{
    /// <summary>Requests admitted and not finished (prefilling or decoding).</summary>
    int InFlight { get; }
    long Decoding { get; }
    int Waiting { get; }
    /// <summary>Tokens the head of the waiting queue must prefill (its prompt, or everything so far after a preemption); 0 when none waits.</summary>
    long HeadPrefillTokens { get; }
    /// <summary>Tokens the head of the waiting queue will hold when it completes (prompt + output); 0 when none waits.</summary>
    long HeadFinalTokens { get; }
    long FreeBlocks { get; }
    /// <summary>Admitted requests with prefill left, in admission order.</summary>
    IReadOnlyList<int> Prefilling { get; }
    long PrefillLeft(int request);

    /// <summary>Admits the head of the waiting queue if its prefill's blocks fit (keeping the cache's watermark free while
    /// other requests run); the request's index, or -1.</summary>
    int TryAdmitHead();

    /// <summary>Preempts the latest admitted requests until the decodes' next tokens fit in the cache.</summary>
    void MakeRoomForDecodes();
}

/// <summary>What the next engine step runs: prefill chunks (request, tokens) and, when <see cref="Decodes"/>, one token
/// for every decoding request.</summary>
public sealed class StepBatch
{
    private readonly List<(int Request, long Tokens)> _chunks = new();

    public bool Decodes { get; set; }
    public IReadOnlyList<(int Request, long Tokens)> Chunks => _chunks;
    public bool IsEmpty => _chunks.Count == 0 && !Decodes;

    public void AddChunk(int request, long tokens) => _chunks.Add((request, tokens));

    public void Clear() { _chunks.Clear(); Decodes = false; }
}

/// <summary>
/// An engine's scheduling policy: before each step, which requests to admit, which prefill chunks to run and whether
/// the decodes run. Each policy is one class (<see cref="StaticScheduler"/>, <see cref="ContinuousScheduler"/>,
/// <see cref="ChunkedScheduler"/>); a disaggregated or co-located engine would add its own (docs/serving.md).
/// </summary>
public interface IScheduler
{
    /// <summary>The policy with every limit it runs with (defaults filled in), e.g. <c>chunked{budget=2048,max_batch=256}</c>.</summary>
    string Description { get; }

    void Schedule(IEngineView engine, StepBatch step);
}
