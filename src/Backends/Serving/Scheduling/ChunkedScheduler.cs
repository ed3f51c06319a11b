using System;

namespace GraphDsl.Backends.Serving.Scheduling;

/// <summary>
/// Chunked prefill mixed with decodes (Sarathi-Serve's stall-free batching; vLLM V1 and SGLang's default): each step
/// holds at most <see cref="Budget"/> tokens. Every running request decodes one token first (after room is made for
/// them, preempting the latest admitted when the cache is full); the rest of the budget goes to prefills: requests
/// part-way through theirs first, in admission order, then waiting requests admitted in arrival order while the batch
/// has fewer than <see cref="MaxBatch"/> sequences, the last one cut to what is left of the budget.
/// </summary>
public sealed class ChunkedScheduler : IScheduler
{
    public ChunkedScheduler(long budget, long maxBatch) { Budget = budget; MaxBatch = maxBatch; }

    public long Budget { get; }
    public long MaxBatch { get; }
    public string Description => $"chunked{{budget={Budget},max_batch={MaxBatch}}}";

    public void Schedule(IEngineView engine, StepBatch step)
    {
        engine.MakeRoomForDecodes();
        step.Decodes = engine.Decoding > 0;
        long left = Budget - engine.Decoding;
        foreach (var r in engine.Prefilling)
        {
            if (left <= 0) return;
            long chunk = Math.Min(left, engine.PrefillLeft(r));
            step.AddChunk(r, chunk);
            left -= chunk;
        }
        while (left > 0 && engine.Waiting > 0 && engine.InFlight < MaxBatch)
        {
            int r = engine.TryAdmitHead();
            if (r < 0) return;
            long chunk = Math.Min(left, engine.PrefillLeft(r));
            step.AddChunk(r, chunk);
            left -= chunk;
        }
    }
}
