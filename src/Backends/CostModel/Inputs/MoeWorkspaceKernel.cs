namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// Whose fused-MoE buffers an engine allocates for its largest step (profiles.json <c>moe_workspace</c>, docs/cost-model.md
/// "Memory plan"): the layouts differ in what sits beside the first GEMM's output, so they size differently.
/// </summary>
public enum MoeWorkspaceKernel
{
    /// <summary>No MoE workspace counted (an engine without a fused MoE kernel whose buffers are sourced).</summary>
    None,

    /// <summary>The Triton fused_moe of vLLM and SGLang: per token-expert copy one buffer of max(first GEMM's width, hidden)
    /// (intermediate_cache1 and 3 share it) and the activated intermediate (intermediate_cache2), in the activations'
    /// type, for at most the engine's chunk of tokens.</summary>
    Triton,

    /// <summary>TensorRT-LLM's CUTLASS MoE (getWorkspaceSize): per token-expert copy the permuted input overlapped with the
    /// second GEMM's output, the first GEMM's output overlapped with its gated result, and three int32 row maps.</summary>
    Cutlass,
}

public static class MoeWorkspaceKernels
{
    public const string NoneName = "none", TritonName = "triton", CutlassName = "cutlass";

    /// <summary>The kernel a profiles.json name declares; null for an unknown one.</summary>
    public static MoeWorkspaceKernel? Parse(string name) => name switch
    {
        NoneName => MoeWorkspaceKernel.None,
        TritonName => MoeWorkspaceKernel.Triton,
        CutlassName => MoeWorkspaceKernel.Cutlass,
        _ => null,
    };
}
