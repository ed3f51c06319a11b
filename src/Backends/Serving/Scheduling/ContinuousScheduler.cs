namespace GraphDsl.Backends.Serving.Scheduling;

/// <summary>
/// Iteration-level (continuous) batching without chunked prefill, as vLLM's V0 scheduler and Orca run it: before each
/// step, waiting requests are admitted in arrival order while the batch has fewer than <see cref="MaxBatch"/> sequences,
/// their prompts total at most <see cref="MaxTokens"/> (a longer prompt runs alone) and the cache holds them; if any was
/// admitted the step prefills them (prefills first: the decodes wait, which is the interference chunked prefill removes),
/// else it decodes one token for every running request, preempting the latest admitted when the cache is full.
/// </summary>
public sealed class ContinuousScheduler : IScheduler
{
    public ContinuousScheduler(long maxBatch, long maxTokens) { MaxBatch = maxBatch; MaxTokens = maxTokens; }

    public long MaxBatch { get; }
    public long MaxTokens { get; }
    public string Description => $"continuous{{max_batch={MaxBatch},max_tokens={MaxTokens}}}";

    public void Schedule(IEngineView engine, StepBatch step)
    {
        long tokens = 0;
        while (engine.Waiting > 0 && engine.InFlight < MaxBatch)
        {
            long need = engine.HeadPrefillTokens;
            if (tokens > 0 && tokens + need > MaxTokens) break;
            int r = engine.TryAdmitHead();
            if (r < 0) break;
            step.AddChunk(r, need);
            tokens += need;
        }
        if (tokens > 0) return;
        engine.MakeRoomForDecodes();
        step.Decodes = engine.Decoding > 0;
    }
}
