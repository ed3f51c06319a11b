using System;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Ir.Ops;

// Op interfaces, after MLIR's: a property an op has is declared with the op (on its OpDef or on an
// OperandSpec) and passes and backends ask for it, instead of comparing op identities or operand names.
// Adding an op means filling these in where they apply; the defaults follow from the op's traits. docs/language.md
// ("Op interfaces and adding an op") lists who asks for each and the files a new op touches.

/// <summary>How the weight initialiser draws a weight that an op reads through an operand slot.</summary>
public enum InitRole
{
    /// <summary>Nothing declared: the initialiser's generic draw.</summary>
    None,
    /// <summary>An embedding table (kept when the table is tied to the LM head).</summary>
    Embedding,
    /// <summary>A multiplicative scale around 1 (norm weights, a weight a mul reads).</summary>
    Scale,
    /// <summary>Starts at zero (LayerNorm's bias, attention sinks).</summary>
    Zero,
    /// <summary>A small additive bias.</summary>
    Bias,
    /// <summary>A projection matrix, drawn with its fan-in (see <see cref="WeightUse.FanInAxis"/>).</summary>
    Projection,
}

/// <summary>What a weight in an operand slot is to its op: how it is initialised and whether it is the
/// matrix a GEMM multiplies by (the weights quantize's formats apply to).</summary>
public sealed class WeightUse
{
    private readonly Func<Operation, int>? _fanInAxis;

    public WeightUse(InitRole init, bool gemmMatrix = false, int fanInAxis = 0, Func<Operation, int>? fanInAxisOf = null, int? splitAxis = null)
    {
        Init = init; GemmMatrix = gemmMatrix; _fanInAxis = fanInAxisOf; FixedFanInAxis = fanInAxis; SplitAxis = splitAxis;
    }

    public InitRole Init { get; }
    /// <summary>The matrix a GEMM multiplies by: the quantize pass stores it in the weight format.</summary>
    public bool GemmMatrix { get; }
    private int FixedFanInAxis { get; }
    /// <summary>The axis tensor parallelism splits inside the op's own sharding (an expert's hidden columns or rows); null: kept whole.</summary>
    public int? SplitAxis { get; }

    /// <summary>For a projection, the weight's axis whose length is the fan-in, as the op reads it.</summary>
    public int FanInAxis(Operation op) => _fanInAxis?.Invoke(op) ?? FixedFanInAxis;

    public static readonly WeightUse Scale = new(InitRole.Scale);
    public static readonly WeightUse Zero = new(InitRole.Zero);
    public static readonly WeightUse Bias = new(InitRole.Bias);
    public static readonly WeightUse Embedding = new(InitRole.Embedding);
}

/// <summary>What the fuse pass and the ILGPU fusion patterns may do with an op.</summary>
public enum FusionRole
{
    /// <summary>Fuses with nothing by rule (it may still be alone in a group).</summary>
    None,
    /// <summary>Per element (or per position): joins GEMM epilogues, elementwise chains and norm prologues.</summary>
    Pointwise,
    /// <summary>A pointwise sum that joins two branches (residual and bias adds; the shared expert beside the routed ones).</summary>
    Sum,
    /// <summary>A pointwise product of two branches (the gated FFN's act(gate) * up).</summary>
    Product,
    /// <summary>A two-input gated activation on the gate and up projections (gpt-oss's clamped SwiGLU).</summary>
    Gate,
    /// <summary>A pointwise type conversion: transparent to the value's role (a cast to the same type is no kernel).</summary>
    Convert,
    /// <summary>A view: no kernel of its own.</summary>
    View,
    /// <summary>A copy that an epilogue can write directly (the last token's rows).</summary>
    Copy,
    /// <summary>A GEMM against a weight: the head of qkv, gated-FFN and epilogue groups.</summary>
    Gemm,
    /// <summary>The attention kernel, which takes its KV-cache append into itself.</summary>
    Attention,
    /// <summary>A KV-cache append.</summary>
    KvAppend,
    /// <summary>A normalization over the last axis, which takes a residual add (or a pointwise op) before it.</summary>
    Norm,
    /// <summary>The router's top-k selection, fused into its MoE kernel.</summary>
    Router,
    /// <summary>The routed experts' grouped GEMMs: the head of an MoE kernel.</summary>
    Experts,
}

/// <summary>How the parallelize pass splits an op over tensor-parallel GPUs.</summary>
public enum ShardRule
{
    /// <summary>Runs on replicated operands.</summary>
    Replicated,
    /// <summary>Per element: keeps any split its operands share.</summary>
    Pointwise,
    /// <summary>Per row (norms, RoPE, softmax, split): keeps a split on any axis but the last.</summary>
    PerRow,
    /// <summary>Per head (the KV cache): keeps a split of the heads axis or beyond.</summary>
    PerHead,
    /// <summary>A view whose split is mapped through the new shape.</summary>
    View,
    /// <summary>Column- or row-parallel by its weight (Megatron's matmul split).</summary>
    Gemm,
    /// <summary>Vocabulary-parallel table rows, summed by an all-reduce.</summary>
    Embedding,
    /// <summary>Split by query heads (KV heads split or replicated).</summary>
    Heads,
    /// <summary>Split by query heads with the latent KV replicated (MLA).</summary>
    LatentHeads,
    /// <summary>Experts over ep, expert FFNs over tp within each.</summary>
    Experts,
    /// <summary>Split by heads (or channels) on axis 2 of every activation operand ([b, s, heads, ...], [b, s, heads],
    /// [b, s, channels]), with the per-head weights split along their first axis and a <c>groups</c> attribute divided
    /// with them: the recurrent mixers, whose state is per head (Megatron's Mamba and gated DeltaNet tensor parallelism).
    /// An operand with one head on axis 2 (Mamba's single group of B and C) may stay replicated.</summary>
    StateHeads,
}

/// <summary>What an op is to the graph's structure, after MLIR's structural interfaces (LoopLike,
/// CallOpInterface, ReturnLike, IsolatedFromAbove): the walkers, the cloner-based passes, the verifier and the
/// cost model ask for it, so they handle any op that declares the same structure.</summary>
public enum OpStructure
{
    /// <summary>An ordinary op.</summary>
    None,
    /// <summary>A model input (part of the model's interface).</summary>
    Input,
    /// <summary>A model output (part of the model's interface).</summary>
    Output,
    /// <summary>A learned parameter; inside a loop, one per iteration.</summary>
    Weight,
    /// <summary>Runs its region <c>count</c> times, carrying values from one iteration to the next.</summary>
    Loop,
    /// <summary>Ends a loop body (with the next carried values) or a kernel region (with its results).</summary>
    Yield,
    /// <summary>Calls a function by symbol; the function's weights are instantiated under the call's name.</summary>
    Call,
    /// <summary>Ends a function body with its results.</summary>
    Return,
    /// <summary>A region whose arguments stand for the op's operands, run as one launch (a fused kernel).</summary>
    Kernel,
    /// <summary>Starts an asynchronous collective; its result is a handle.</summary>
    AsyncStart,
    /// <summary>Waits for an asynchronous collective's handle and gives its result.</summary>
    AsyncWait,
    /// <summary>Starts a pipeline stage (receives what the previous stage sent).</summary>
    StageStart,
}

/// <summary>The recurrent state an op keeps per sequence between steps (a state-space or linear-attention scan, a
/// short causal convolution): unlike the KV cache it does not grow with the context. The memory plan holds it for
/// every sequence of the batch (the `state` line beside the KV cache), `stats` reports it, and the op's cost reads and
/// writes it once per step.</summary>
public delegate double RecurrentStateBytes(Operation op, Func<string, long?> param);
