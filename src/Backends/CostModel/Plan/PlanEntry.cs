using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Plan;

public enum CollectiveKind { None, AllReduce, AllGather, ReduceScatter, AllToAll, Send }

/// <summary>How an entry uses the streams: synchronously, or as the start or wait of an asynchronous collective.</summary>
public enum AsyncRole { None, Start, Wait }

/// <summary>
/// One op of the per-GPU program, lowered once: its costs as compiled polynomials of the workload,
/// how many times a step runs it, which pipeline stage it belongs to, the math type that selects the
/// device peak, and, for MoE and collectives, what the evaluator needs beyond FLOPs and bytes.
/// </summary>
public sealed class PlanEntry
{
    public string Op { get; init; } = "";
    public string Group { get; init; } = "";
    public string Path { get; init; } = "";
    public double Multiplicity { get; init; }
    public int Stage { get; init; }
    public OpClass Class { get; init; }
    /// <summary>Whether the op is a kernel launch (views such as reshape and split are not).</summary>
    public bool IsKernel { get; init; }
    public MathType ComputeType { get; init; } = MathType.Bf16;
    /// <summary>The kernel kind whose fixed latency a device may have measured: "gemm", "moe", "attention" (decode
    /// attention over a KV cache), "mla", or a recurrent op's ("gdn", "ssd", "conv1d", measured per phase); "" for other kernels.</summary>
    public string KernelKind { get; init; } = "";
    /// <summary>The math of a GEMM's low-bit weights (int8, int4, fp8, fp4; null for 16-bit), which may have to be
    /// dequantized on the vector units, and the bytes one weight element occupies.</summary>
    public MathType? WeightFormat { get; init; }
    public double WeightElementBytes { get; init; } = 2;
    public CompiledPoly Flops { get; init; }
    public CompiledPoly WeightBytes { get; init; }
    public CompiledPoly ActivationBytes { get; init; }
    /// <summary>The part of <see cref="ActivationBytes"/> a kernel moves between passes of its own (OpCost.InternalBytes):
    /// traffic, not a buffer its inputs and outputs hold.</summary>
    public CompiledPoly InternalBytes { get; init; } = CompiledPoly.Zero;
    public CompiledPoly KvBytes { get; init; }
    public CompiledPoly CommBytes { get; init; }
    public CompiledPoly GemmM { get; init; }
    /// <summary>A GEMM's reduction depth K (0 for other entries): its serial mainloop walk at a few rows.</summary>
    public double GemmK { get; init; }
    /// <summary>N of the GEMM (0 where none): with M and K, the FLOPs of an MLA kernel's projection (its law prices the rest).</summary>
    public double GemmN { get; init; }

    // MoE: routed experts (see MoeWork).
    public bool IsMoe { get; init; }
    public double Experts { get; init; }
    public double TopK { get; init; }
    public double LocalExperts { get; init; }
    /// <summary>Expert slots of the whole layer (experts plus redundant replicas).</summary>
    public double Slots { get; init; }
    public double TokenGroups { get; init; }
    public double BytesPerExpert { get; init; }
    public double FlopsPerPair { get; init; }
    /// <summary>Elements of one token-expert copy (the model's hidden size), which the fused kernel gathers, quantizes and combines.</summary>
    public double RowWidth { get; init; }
    /// <summary>The expert intermediate size on this GPU, whether the experts are gated, and the bytes of one token-row
    /// element (MoeWork): what sizes the engine's MoE workspace (Memory/MoeWorkspace).</summary>
    public double ExpertHidden { get; init; }
    public bool GatedExperts { get; init; }
    public double MoeElementBytes { get; init; }
    public CompiledPoly Tokens { get; init; }
    /// <summary>Index of the first MoE layer this entry runs (it runs Multiplicity consecutive ones).</summary>
    public int MoeLayerStart { get; init; }

    // Attention (nn.attention or nn.mla_attention, alone or inside a fused kernel; MLA's one latent is one KV head): the query and KV heads this GPU runs for each sequence of
    // the step's batch (a nano-batch's share folded in), which set its kernels' tiles (AttentionLaw); 0 for other entries.
    public double AttentionHeads { get; init; }
    public double AttentionKvHeads { get; init; }
    /// <summary>Whether the attention's KV cache holds 16-bit (or wider) elements (AttentionLaw.WideKvQueryHeadTime).</summary>
    public bool AttentionWideKv { get; init; }

    // Collectives.
    public CollectiveKind Collective { get; init; }
    public int CommGroup { get; init; }
    /// <summary>All-to-all: the expert copies of each row the IR states (top_k); the cost model sends a row once per GPU.</summary>
    public int Fanout { get; init; } = 1;
    public string CommAxis { get; init; } = "";
    /// <summary>For an expert-parallel all-to-all: the index in the plan of the MoE entry it carries tokens to or
    /// from (its region's), so the busiest GPU's share loads it; -1 otherwise.</summary>
    public int RoutedEntry { get; set; } = -1;
    public AsyncRole Async { get; init; }
    /// <summary>For a wait: the index of the entry that started its collective.</summary>
    public int StartEntry { get; init; } = -1;
    /// <summary>A start fused with its producer GEMM, sending chunks as they are written, on a share of the SMs.</summary>
    public bool Fused { get; init; }
    public double SmShare { get; init; }

    /// <summary>The op in the per-GPU IR (for reports and traces).</summary>
    public Operation? Source { get; init; }
}
