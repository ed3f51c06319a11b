namespace GraphDsl.Passes.Parallelize;

/// <summary>How an MoE layer's tokens reach its experts when attention is data-parallel (docs/passes.md, "MoE communication").</summary>
public enum MoeCommunication
{
    /// <summary>All-to-all when every expert is whole on one GPU (ep = tp x dp), else all-gather.</summary>
    Auto,
    /// <summary>Dispatch and combine all-to-alls that send a token once to each GPU holding one of its experts (DeepEP's normal kernels).</summary>
    AllToAll,
    /// <summary>Every GPU gathers every replica's tokens and the partial outputs are reduce-scattered back
    /// (TensorRT-LLM's attention-DP MoE without its all-to-all backend).</summary>
    AllGather,
}
