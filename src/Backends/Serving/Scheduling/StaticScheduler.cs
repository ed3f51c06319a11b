using GraphDsl.Backends.Serving.Engine;

namespace GraphDsl.Backends.Serving.Scheduling;

/// <summary>
/// Static batching, <c>predict</c>'s model: when the engine is empty it takes up to <see cref="MaxBatch"/> waiting
/// requests whose caches fit at their final length (so none is ever preempted), prefills all their prompts in one step
/// (<c>predict</c>'s <c>prefill.batch_ms</c>), and decodes them together until the last finishes; nothing joins a
/// running batch. Finished sequences leave the decode steps (no padding is priced).
/// </summary>
public sealed class StaticScheduler : IScheduler
{
    public StaticScheduler(long maxBatch) { MaxBatch = maxBatch; }

    public long MaxBatch { get; }
    public string Description => MaxBatch >= Specs.SchedulerSpec.MaxLimit ? "static" : $"static{{max_batch={MaxBatch}}}";

    public void Schedule(IEngineView engine, StepBatch step)
    {
        if (engine.InFlight == 0)
        {
            long reserved = 0, free = engine.FreeBlocks;
            while (engine.Waiting > 0 && engine.InFlight < MaxBatch)
            {
                long need = KvCache.BlocksFor(engine.HeadFinalTokens);
                if (reserved + need > free && engine.InFlight > 0) break;
                if (engine.TryAdmitHead() < 0) break;
                reserved += need;
            }
        }
        if (engine.Prefilling.Count > 0)
        {
            foreach (var r in engine.Prefilling) step.AddChunk(r, engine.PrefillLeft(r));
            return;
        }
        step.Decodes = engine.Decoding > 0;
    }
}
