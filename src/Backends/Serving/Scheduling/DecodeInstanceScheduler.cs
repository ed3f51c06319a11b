namespace GraphDsl.Backends.Serving.Scheduling;

/// <summary>
/// The scheduler of a decode instance (disaggregated serving) or of the decode stream (co-located serving): continuous
/// batching of decodes. Requests arrive with their prompt's KV cache from a prefill instance and join the decodes when
/// admitted (arrival order, at most <see cref="MaxBatch"/> sequences, while the cache holds them); every running request
/// decodes one token per step, the latest admitted preempted when the cache is full. A preempted request recomputes its
/// prompt and generated tokens here, as one prefill chunk beside the decodes (vLLM's decode instances do the same; a
/// prefill instance never sees it again).
/// </summary>
public sealed class DecodeInstanceScheduler : IScheduler
{
    public DecodeInstanceScheduler(long maxBatch) { MaxBatch = maxBatch; }

    public long MaxBatch { get; }
    public string Description => $"decode{{max_batch={MaxBatch}}}";

    public void Schedule(IEngineView engine, StepBatch step)
    {
        engine.MakeRoomForDecodes();
        while (engine.Waiting > 0 && engine.InFlight < MaxBatch)
        {
            int r = engine.TryAdmitHead();
            if (r < 0) break;
            long recompute = engine.PrefillLeft(r);
            if (recompute > 0) step.AddChunk(r, recompute);
        }
        step.Decodes = engine.Decoding > 0;
    }
}
