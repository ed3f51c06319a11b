namespace GraphDsl.Backends.CostModel.Memory;

/// <summary>
/// One pipeline stage's memory per GPU at a batch and context: the figures every memory answer is read from (the
/// prediction's <see cref="MemoryPlan"/>, a sweep row, the validator's largest batch). A struct, so a sweep finds the
/// fullest stage without allocating.
/// </summary>
public readonly struct StageFit
{
    public int Stage { get; init; }
    public double CapacityBytes { get; init; }
    /// <summary>This stage's weights per GPU (with what a speculative drafter adds on the last stage).</summary>
    public double WeightBytes { get; init; }
    /// <summary>KV bytes per sequence at the context.</summary>
    public double KvBytesPerSequence { get; init; }
    /// <summary>The batch's KV cache per GPU.</summary>
    public double KvBytes { get; init; }
    /// <summary>The part of <see cref="KvBytes"/> that is the per-request cache (an encoder-decoder's cross-attention keys and values).</summary>
    public double RequestCacheBytes { get; init; }
    /// <summary>Recurrent state bytes per sequence (state-space and linear-attention layers), constant in the context.</summary>
    public double StateBytesPerSequence { get; init; }
    /// <summary>The batch's recurrent state per GPU.</summary>
    public double StateBytes { get; init; }
    /// <summary>The activation workspace (the same on every stage).</summary>
    public double WorkspaceBytes { get; init; }
    public double ReserveBytes { get; init; }
    /// <summary>What HBM leaves for the KV cache after the reserve, the weights and the workspace.</summary>
    public double RoomBytes { get; init; }
    /// <summary>What the batch's KV cache and recurrent state leave of <see cref="RoomBytes"/> (negative: it does not fit).</summary>
    public double FreeBytes => RoomBytes - KvBytes - StateBytes;
    /// <summary>Largest number of sequences per replica whose KV cache and recurrent state fit on this stage (0 if none; long.MaxValue when
    /// the stage caches nothing and its weights fit).</summary>
    public long MaxBatchPerReplica { get; init; }
}
