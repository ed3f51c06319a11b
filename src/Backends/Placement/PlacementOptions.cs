namespace GraphDsl.Backends.Placement;

/// <summary>Bytes of one routed expert (all its matrices, one layer) and the bytes each GPU may give to routed experts.</summary>
public sealed record ExpertMemory(double ExpertBytes, double GpuBudgetBytes);

/// <summary>The expert-parallel group and the strategy's knobs.</summary>
public sealed record PlacementOptions
{
    /// <summary>GPUs of the expert-parallel group (every MoE layer is spread over all of them).</summary>
    public int Gpus { get; init; } = 1;
    /// <summary>Nodes the GPUs are in (GPU g is in node g / (gpus / nodes)).</summary>
    public int Nodes { get; init; } = 1;
    /// <summary>eplb: replicas beyond one per expert (DeepSeek-V3 decode: 32 over 320 GPUs; vLLM's num_redundant_experts).</summary>
    public int Redundant { get; init; }
    /// <summary>offload: experts of each layer cached on each GPU; the rest stay in host memory.</summary>
    public int GpuSlots { get; init; }
    /// <summary>Expert groups of group-limited routing (DeepSeek-V3: 8); 1 when routing is not grouped.</summary>
    public int ExpertGroups { get; init; } = 1;
    /// <summary>affinity: the busiest GPU may carry (1 + tolerance) x the mean load (or the best balanced packing's maximum, if higher).</summary>
    public double LoadTolerance { get; init; } = 0.10;
    /// <summary>When set, plans whose experts do not fit a GPU are rejected.</summary>
    public ExpertMemory? Memory { get; init; }
}
