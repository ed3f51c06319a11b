using System;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>
/// State-space and linear-attention mixing: ops that carry a constant-size state per sequence from step to step
/// instead of a KV cache (<see cref="OpDef.RecurrentState"/>). Mamba-2's SSD scan (Nemotron-H), gated DeltaNet's
/// delta rule (Qwen3-Next), the short causal convolution both put before their scan, and the grouped RMSNorm Mamba-2
/// puts after it. Prefill is priced as the chunked algorithm the serving kernels run, decode as the recurrent update;
/// the formulas and their sources are on each cost function (docs/language.md, "State-space and linear-attention ops").
/// </summary>
public static class RecurrentOps
{
    /// <summary>The state's element type when the op does not name one: f32, as Mamba's and FLA's kernels keep it
    /// (Nemotron-H's config: mamba_ssm_cache_dtype float32).</summary>
    public static DType StateType(Operation op) => op.Attributes.GetDType("state_dtype") ?? DType.F32;

    public static readonly OpDef CausalConv1d = new("nn.causal_conv1d",
        "Depthwise causal convolution along seq: y[t, c] = sum_j w[c, j] x[t - width + 1 + j, c] (+ bias[c]); the last width - 1 " +
        "inputs of each sequence are kept between steps (the short convolution of Mamba and gated DeltaNet).")
    {
        Operands = L(In("x", "[batch, seq, channels]"), In("w", "[channels, width]").Reads(new WeightUse(InitRole.Projection, fanInAxis: 1)),
            Opt("bias", "[channels]").Reads(WeightUse.Bias)),
        Traits = OpTraits.None,
        Class = OpClass.Elementwise,
        Shard = ShardRule.StateHeads,
        KernelKind = "conv1d",
        Infer = c =>
        {
            var x = c.Operand("x"); var w = c.Operand("w");
            if (!c.RequireExactRank("x", x, 3) || !c.RequireFloat("x", x) || !c.RequireExactRank("w", w, 2)) return null;
            if (!c.RequireDim("w", w, 0, x.Shape[2], "one filter per channel")) return null;
            if (c.Static(w.Shape[1]) is not { } width || width < 1)
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, $"nn.causal_conv1d: the filter width {w.Shape[1]} must be a positive static integer");
                return null;
            }
            if (c.Slot("bias") is { } b && (!c.RequireExactRank("bias", b, 1) || !c.RequireDim("bias", b, 0, x.Shape[2], "one bias per channel"))) return null;
            return new[] { x };
        },
        // 2 FLOPs per tap and output element; the state (width - 1 inputs per channel) is read and written once per step.
        Cost = c =>
        {
            var x = c.Type("x"); var w = c.Type("w");
            long width = c.Static(w.Shape[1]);
            return new OpCost
            {
                Class = OpClass.Elementwise,
                Flops = c.Numel(x) * (2.0 * width),
                WeightBytes = c.Bytes(w) + c.Bytes(c.Op.Operand("bias")),
                ActivationBytes = c.Bytes(x) + c.Bytes(c.ResultType()),
                KvBytes = c.P(x.Shape[0]) * (2.0 * c.Static(x.Shape[2]) * (width - 1) * x.DType.BytesPerElement),
            };
        },
        RecurrentState = (op, param) =>
        {
            var x = op.Operands[0].Type; var w = op.Operands[1].Type;
            long channels = x.Shape[2].Evaluate(param, _ => null) ?? 0, width = w.Shape[1].Evaluate(param, _ => null) ?? 1;
            return channels * (width - 1) * x.DType.BytesPerElement * AttentionOps.BatchShare(x.Shape[0], param);
        },
        Example = "%5 = nn.causal_conv1d %3, %4 : bf16[batch, seq, 8192]",
    };

    public static readonly OpDef GatedDelta = new("nn.gated_delta",
        "Gated delta rule (gated DeltaNet, Yang et al. 2024; Qwen3-Next's linear attention) over q, k [b, s, k_heads, dk] and " +
        "v [b, s, v_heads, dv] (v_heads a multiple of k_heads): per value head a state S [dk, dv] with, at each token, " +
        "g = -exp(a_log) softplus(a + dt_bias), S = exp(g) S, S += k (beta (v - S^T k))^T, o = S^T q; q and k are L2-normalized " +
        "and q scaled by 1/sqrt(dk). Result [b, s, v_heads, dv].")
    {
        Operands = L(In("q", "[b, s, k_heads, dk]"), In("k", "[b, s, k_heads, dk]"), In("v", "[b, s, v_heads, dv]"),
            In("a", "[b, s, v_heads] decay input"), In("beta", "[b, s, v_heads] write strength (after its sigmoid)"),
            In("a_log", "[v_heads] log of the decay rate").Reads(WeightUse.Zero), In("dt_bias", "[v_heads]").Reads(WeightUse.Bias)),
        Attrs = L(Int("chunk", "chunk length of the prefill algorithm (FLA's chunk_gated_delta_rule: 64)", 64),
            Type("state_dtype", "element type of the kept state (default f32)", required: false)),
        Traits = OpTraits.None,
        Class = OpClass.Attention,
        Shard = ShardRule.StateHeads,
        KernelKind = "gdn",
        Infer = c =>
        {
            var q = c.Operand("q"); var k = c.Operand("k"); var v = c.Operand("v"); var a = c.Operand("a"); var beta = c.Operand("beta");
            if (!c.RequireExactRank("q", q, 4) || !c.RequireExactRank("k", k, 4) || !c.RequireExactRank("v", v, 4) ||
                !c.RequireExactRank("a", a, 3) || !c.RequireExactRank("beta", beta, 3)) return null;
            if (!c.SameShapeOrReport("k", k, "q", q) ||
                !c.RequireDim("v", v, 0, q.Shape[0], "v's batch must match q's") || !c.RequireDim("v", v, 1, q.Shape[1], "v's length must match q's") ||
                !c.SameShapeOrReport("a", a, "v's first three axes", new TensorType(v.DType, new Shape(v.Shape[0], v.Shape[1], v.Shape[2]))) ||
                !c.SameShapeOrReport("beta", beta, "a", a) ||
                !HeadVector(c, "a_log", v.Shape[2]) || !HeadVector(c, "dt_bias", v.Shape[2]) || !PositiveChunk(c)) return null;
            return HeadsShareGroups(c, "value heads", v.Shape[2], "key heads", q.Shape[2]) ? new[] { v } : null;
        },
        Cost = c =>
        {
            var q = c.Type("q"); var v = c.Type("v");
            var tokens = c.P(q.Shape[0]) * c.P(q.Shape[1]);
            long hv = c.Static(v.Shape[2]), dk = c.Static(q.Shape[3]), dv = c.Static(v.Shape[3]), chunk = c.Int("chunk");
            double perTokenHead = c.Phase == CostPhase.Decode ? GatedDeltaDecodeFlops(dk, dv) : GatedDeltaChunkFlops(dk, dv, chunk);
            return ScanCost(c, q.Shape[0], tokens, hv * perTokenHead, hv * dk * dv * StateType(c.Op).BytesPerElement, c.Phase == CostPhase.Decode ? 0 : chunk);
        },
        RecurrentState = (op, param) => HeadStateBytes(op, param, op.Operands[2].Type.Shape[2], op.Operands[0].Type.Shape[3], op.Operands[2].Type.Shape[3]),
        Example = "%21 = nn.gated_delta %14, %15, %16, %17, %18, %19, %20 : bf16[batch, seq, 32, 128]",
    };

    public static readonly OpDef Ssd = new("nn.ssd",
        "Mamba-2's selective state-space scan (SSD, Dao & Gu 2024) of x [b, s, heads, p] with dt [b, s, heads] and B, C " +
        "[b, s, groups, n] (heads a multiple of groups): per head a state h [p, n] with, at each token, dt' = softplus(dt + dt_bias), " +
        "h = exp(dt' A) h + dt' x B^T, y = h C (+ d x), A = -exp(a_log). a_log [heads] is Mamba-2's scalar decay per head; " +
        "[heads, n] with p = 1 is Mamba-1's diagonal A (Jamba). Result [b, s, heads, p].")
    {
        Operands = L(In("x", "[b, s, heads, p]"), In("dt", "[b, s, heads]"), In("b", "[b, s, groups, n]"), In("c", "[b, s, groups, n]"),
            In("a_log", "[heads] or [heads, n]").Reads(WeightUse.Zero), In("dt_bias", "[heads]").Reads(WeightUse.Bias),
            Opt("d", "[heads] skip connection").Reads(WeightUse.Scale)),
        Attrs = L(Int("chunk", "chunk length of the prefill algorithm (mamba_ssm's default: 256; Mamba-1's scan is not chunked)", 256),
            Type("state_dtype", "element type of the kept state (default f32)", required: false)),
        Traits = OpTraits.None,
        Class = OpClass.Attention,
        Shard = ShardRule.StateHeads,
        KernelKind = "ssd",
        Infer = c =>
        {
            var x = c.Operand("x"); var dt = c.Operand("dt"); var b = c.Operand("b"); var cm = c.Operand("c"); var aLog = c.Operand("a_log");
            if (!c.RequireExactRank("x", x, 4) || !c.RequireExactRank("dt", dt, 3) || !c.RequireExactRank("b", b, 4) || !c.RequireExactRank("c", cm, 4)) return null;
            if (!c.SameShapeOrReport("dt", dt, "x's first three axes", new TensorType(x.DType, new Shape(x.Shape[0], x.Shape[1], x.Shape[2]))) ||
                !c.SameShapeOrReport("c", cm, "b", b) ||
                !c.RequireDim("b", b, 0, x.Shape[0], "B's batch must match x's") || !c.RequireDim("b", b, 1, x.Shape[1], "B's length must match x's") ||
                !HeadVector(c, "dt_bias", x.Shape[2]) || !HeadVector(c, "d", x.Shape[2]) || !PositiveChunk(c)) return null;
            if (aLog.Rank == 2)
            {
                if (!c.RequireDim("a_log", aLog, 0, x.Shape[2], "one decay row per head") || !c.RequireDim("a_log", aLog, 1, b.Shape[3], "a per-state decay needs one per state dimension")) return null;
                if (c.Static(x.Shape[3]) != 1)
                {
                    c.Error(DiagnosticCatalog.ShapeMismatch, $"nn.ssd: a per-state decay a_log {aLog.Shape} (Mamba-1) needs head size 1, but x is {x.Shape}");
                    return null;
                }
            }
            else if (!HeadVector(c, "a_log", x.Shape[2])) return null;
            return HeadsShareGroups(c, "heads", x.Shape[2], "groups", b.Shape[2]) ? new[] { x } : null;
        },
        Cost = c =>
        {
            var x = c.Type("x"); var b = c.Type("b");
            var tokens = c.P(x.Shape[0]) * c.P(x.Shape[1]);
            long h = c.Static(x.Shape[2]), p = c.Static(x.Shape[3]), g = c.Static(b.Shape[2]), n = c.Static(b.Shape[3]), chunk = c.Int("chunk");
            // Mamba-1's decay per state dimension has no chunked (matrix) form: its kernels scan token by token in prefill too.
            bool selective = c.Type("a_log").Rank == 2;
            bool chunked = c.Phase != CostPhase.Decode && !selective;
            double flops = chunked ? SsdChunkFlops(h, g, p, n, chunk) : h * SsdDecodeFlops(p, n);
            return ScanCost(c, x.Shape[0], tokens, flops, h * p * n * StateType(c.Op).BytesPerElement, chunked ? chunk : 0);
        },
        RecurrentState = (op, param) => HeadStateBytes(op, param, op.Operands[0].Type.Shape[2], op.Operands[0].Type.Shape[3], op.Operands[2].Type.Shape[3]),
        Example = "%30 = nn.ssd %24, %25, %26, %27, %28, %29, d=%23 {chunk = 128} : bf16[batch, seq, 128, 64]",
    };

    public static readonly OpDef GroupRmsNorm = new("nn.group_rmsnorm",
        "RMSNorm of each of `groups` equal parts of the last axis, times a per-channel weight (Mamba-2's gated norm after its scan).")
    {
        Operands = L(In("x", "[..., channels]"), In("weight", "[channels]").Reads(WeightUse.Scale)),
        Attrs = L(Int("groups", "equal parts of the last axis normalized separately", 1), Float("eps", "added to the mean square", 1e-5)),
        Class = OpClass.Norm,
        Shard = ShardRule.StateHeads,
        Infer = c =>
        {
            var x = c.Operand("x"); var w = c.Operand("weight");
            if (!c.RequireRank("x", x, 1) || !c.RequireFloat("x", x) || !c.RequireExactRank("weight", w, 1) ||
                !c.RequireDim("weight", w, 0, x.Shape.Last, "the weight must match the normalized (last) axis")) return null;
            var groups = c.Int("groups"); var channels = c.Static(x.Shape.Last);
            if (groups is null || groups < 1 || (channels is not null && channels % groups != 0))
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, $"nn.group_rmsnorm: groups = {groups} must be positive and divide the last axis ({x.Shape.Last})");
                return null;
            }
            return new[] { x };
        },
        Cost = c => OpCosts.Norm(c, 4),
    };

    public static readonly OpDef[] All = { CausalConv1d, GatedDelta, Ssd, GroupRmsNorm };

    /// <summary>
    /// Gated DeltaNet decode, FLOPs per token and value head (the recurrent form, Yang et al. 2024, "Gated Delta Networks",
    /// eq. 10): decay S (dk dv), S^T k (2 dk dv), the rank-1 update k delta^T (2 dk dv), S^T q (2 dk dv): 7 dk dv.
    /// </summary>
    public static double GatedDeltaDecodeFlops(long dk, long dv) => 7.0 * dk * dv;

    /// <summary>
    /// Gated DeltaNet prefill, FLOPs per token and value head, in chunks of C (the WY/UT chunkwise algorithm of Yang et al.
    /// 2024, "Parallelizing Linear Transformers with the Delta Rule over Sequence Length", sec. 3.3, which the Gated DeltaNet
    /// paper's kernel keeps with C = 64). Within a chunk: K K^T (2 C dk), the triangular solve for T (C^3/3 per chunk,
    /// C^2/3 per token), W = T beta K (2 C dk), U = T beta V (2 C dv), Q K^T (2 C dk) and its product with U - W S^T (2 C dv);
    /// against the chunk's incoming state: W S^T, Q S^T and the state update K^T (U - W S^T) (2 dk dv each). In all
    /// 6 C dk + 4 C dv + C^2/3 + 6 dk dv; the decay gates add O(C) and are left out.
    /// </summary>
    public static double GatedDeltaChunkFlops(long dk, long dv, long chunk) =>
        6.0 * chunk * dk + 4.0 * chunk * dv + chunk * chunk / 3.0 + 6.0 * dk * dv;

    /// <summary>
    /// Mamba-2 decode, FLOPs per token and head (the recurrent form, Dao and Gu 2024, "Transformers are SSMs", sec. 3.4):
    /// h = exp(dt A) h + dt x B^T (3 p n), y = h C (2 p n), the skip d x (2 p): 5 p n + 2 p.
    /// </summary>
    public static double SsdDecodeFlops(long p, long n) => 5.0 * p * n + 2.0 * p;

    /// <summary>
    /// Mamba-2 prefill, FLOPs per token for all heads, in chunks of Q (the SSD algorithm, Dao and Gu 2024, sec. 6 and its
    /// listing 1; mamba_ssm's chunked kernels): the diagonal blocks C B^T per group (2 Q n per group) and their masked
    /// product with X per head (2 Q p), the chunk states B^T X (2 p n), their output C h (2 p n) and the pass of states
    /// between chunks (2 p n / Q): g 2 Q n + h (2 Q p + 4 p n + 2 p n / Q). Causal masking is not subtracted, as the
    /// kernels compute the whole Q x Q block.
    /// </summary>
    public static double SsdChunkFlops(long heads, long groups, long p, long n, long chunk) =>
        groups * 2.0 * chunk * n + heads * (2.0 * chunk * p + 4.0 * p * n + 2.0 * p * n / chunk);

    /// <summary>
    /// A scan's cost: <paramref name="flopsPerToken"/> for each of the step's tokens; its per-head weights (the slots that
    /// declare a weight use) read once; its other operands read and its result written once, and in chunked prefill
    /// (<paramref name="chunk"/> above 0) each chunk's state written and read back; the kept state, <paramref name="stateBytes"/>
    /// per sequence, read and written once per step (priced as KV-cache traffic).
    /// </summary>
    private static OpCost ScanCost(CostContext c, DimExpr batch, Poly tokens, double flopsPerToken, double stateBytes, long chunk)
    {
        Poly weights = Poly.Zero, activations = c.Bytes(c.ResultType());
        foreach (var slot in c.Op.Def.Operands)
        {
            if (c.Op.Operand(slot.Name) is not { } v) continue;
            if (slot.Weight is not null) weights += c.Bytes(v); else activations += c.Bytes(v);
        }
        if (chunk > 0) activations += tokens * (2.0 * stateBytes / chunk);
        return new OpCost
        {
            Class = OpClass.Attention,
            Flops = tokens * flopsPerToken,
            WeightBytes = weights,
            ActivationBytes = activations,
            KvBytes = c.P(batch) * (2.0 * stateBytes),
        };
    }

    /// <summary>heads x key size x value size elements of the op's state type, for the sequences the op's batch holds.</summary>
    private static double HeadStateBytes(Operation op, Func<string, long?> param, DimExpr heads, DimExpr rows, DimExpr cols)
    {
        long h = heads.Evaluate(param, _ => null) ?? 0, r = rows.Evaluate(param, _ => null) ?? 0, k = cols.Evaluate(param, _ => null) ?? 0;
        return h * r * k * StateType(op).BytesPerElement * AttentionOps.BatchShare(op.Operands[0].Type.Shape[0], param);
    }

    /// <summary>Heads read the inputs of their group (gated DeltaNet's key head, Mamba-2's group of B and C): the heads
    /// must be a multiple of the groups.</summary>
    private static bool HeadsShareGroups(InferContext c, string headsWhat, DimExpr heads, string groupsWhat, DimExpr groups)
    {
        var h = c.Static(heads); var g = c.Static(groups);
        if (h is null || g is null || (g != 0 && h % g == 0)) return true;
        c.Error(DiagnosticCatalog.NotDivisible, headsWhat, heads, groupsWhat, groups);
        return false;
    }

    private static bool HeadVector(InferContext c, string slot, DimExpr heads) =>
        c.Slot(slot) is not { } t || (c.RequireExactRank(slot, t, 1) && c.RequireDim(slot, t, 0, heads, "one value per head"));

    private static bool PositiveChunk(InferContext c)
    {
        if (c.Int("chunk") is > 0) return true;
        c.Error(DiagnosticCatalog.InvalidAttribute, $"{c.Def.Name}: chunk = {c.Int("chunk")} must be positive");
        return false;
    }
}
