using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>Attention and the KV cache.</summary>
public static class AttentionOps
{
    public static readonly OpDef KvCache = new("kv.cache",
        "Appends this step's keys or values [batch, seq, ...] to the cache and returns all of them, [batch, ctx, ...]. " +
        "With a window, only the last `window` tokens are kept.")
    {
        Operands = L(In("x", "[batch, seq, ...] new entries")),
        Attrs = L(Int("window", "tokens kept (0: all)", 0), Type("storage", "element type stored (default: x's)", required: false)),
        Traits = OpTraits.Stateful,
        Class = OpClass.Memory,
        Fusion = FusionRole.KvAppend,
        Shard = ShardRule.PerHead,
        Infer = c =>
        {
            var x = c.Operand("x");
            if (!c.RequireRank("x", x, 2)) return null;
            if (!c.Equal(x.Shape[1], DimExpr.Sym("seq")))
            {
                c.Error(DiagnosticCatalog.ShapeMismatch, $"kv.cache: the second axis must be seq (this step's new tokens), but x is {x.Shape}");
                return null;
            }
            var dims = x.Shape.Dims.ToArray();
            dims[1] = DimExpr.Sym("ctx");
            return new[] { new TensorType(x.DType, new Shape(dims)) };
        },
        // Appending writes this step's entries; reading them is the attention's cost.
        Cost = c => new OpCost { Class = OpClass.Memory, KvBytes = c.Numel(c.Type("x")) * StorageType(c.Op).BytesPerElement },
        Example = "%9 = kv.cache %8 {window = 128} : bf16[batch, ctx, 8, 64]",
    };

    /// <summary>The element type the cache stores.</summary>
    public static DType StorageType(Operation cacheOp) => cacheOp.Attributes.GetDType("storage") ?? cacheOp.Operands[0].Type.DType;

    /// <summary>The element type keys or values are read in: the cache's storage where <paramref name="kv"/> comes from one, else its own.</summary>
    public static DType ReadType(Value kv) => kv.Owner is { } owner && owner.Def == KvCache ? StorageType(owner) : kv.Type.DType;

    /// <summary>KV bytes one token occupies in this cache.</summary>
    public static Poly BytesPerToken(Operation cacheOp, System.Func<string, long?> param)
    {
        var x = cacheOp.Operands[0].Type;
        var perToken = x.Shape.Dims.Skip(2).Aggregate(Poly.Const(1), (acc, d) => acc * (Poly.From(d, param) ?? Poly.Zero));
        return perToken * (StorageType(cacheOp).BytesPerElement * BatchShare(x.Shape[0], param));
    }

    /// <summary>The share of the batch's sequences a cache holds: 1 for [batch, ...], 1/n for a nano-batch
    /// [batch / n, ...] (the overlap pass), so per-sequence KV bytes are not counted once per nano-batch.</summary>
    public static double BatchShare(DimExpr dim0, System.Func<string, long?> param)
    {
        const long probe = 720720; // divisible by every nano-batch count up to 16
        try
        {
            var v = dim0.Evaluate(param, s => s == "batch" ? probe : null);
            return v is null ? 1.0 : (double)v.Value / probe;
        }
        catch (System.ArithmeticException) { return 1.0; }
    }

    public static readonly OpDef Attention = new("nn.attention",
        "Scaled dot-product attention of q [batch, seq, heads, dk] over k [batch, kv_len, kv_heads, dk] and v [batch, kv_len, kv_heads, dv]; " +
        "heads must be a multiple of kv_heads (GQA/MQA). Causal masks future positions; window limits how far back a query looks.")
    {
        Operands = L(In("q"), In("k"), In("v"), Opt("sinks", "[heads] learned per-head sink logits (gpt-oss)").Reads(WeightUse.Zero),
            Opt("rel_bias", "[buckets, heads] learned relative-position bias table (T5)").Reads(WeightUse.Bias)),
        Attrs = L(Bool("causal", "mask future positions", true), Int("window", "sliding window in tokens (0: none)", 0),
            Float("scale", "logit scale (0: 1/sqrt(dk))", 0.0), Float("softcap", "tanh cap on logits (0: none)", 0.0)),
        Class = OpClass.Attention,
        Fusion = FusionRole.Attention,
        Shard = ShardRule.Heads,
        KernelKind = "attention",
        Infer = c =>
        {
            var q = c.Operand("q"); var k = c.Operand("k"); var v = c.Operand("v");
            if (!c.RequireExactRank("q", q, 4) || !c.RequireExactRank("k", k, 4) || !c.RequireExactRank("v", v, 4)) return null;
            if (!c.RequireDim("k", k, 0, q.Shape[0], "k's batch must match q's") ||
                !c.RequireDim("k", k, 3, q.Shape[3], "k's head size must match q's") ||
                !c.RequireDim("v", v, 1, k.Shape[1], "v's length must match k's") ||
                !c.RequireDim("v", v, 2, k.Shape[2], "v's head count must match k's")) return null;
            var hq = c.Static(q.Shape[2]); var hkv = c.Static(k.Shape[2]);
            if (hq is not null && hkv is not null && (hkv == 0 || hq % hkv != 0))
            {
                c.Error(DiagnosticCatalog.NotDivisible, "query heads", q.Shape[2], "kv heads", k.Shape[2]);
                return null;
            }
            if (c.Slot("sinks") is { } s && (!c.RequireExactRank("sinks", s, 1) || !c.RequireDim("sinks", s, 0, q.Shape[2], "one sink per query head"))) return null;
            if (c.Slot("rel_bias") is { } rb && (!c.RequireExactRank("rel_bias", rb, 2) || !c.RequireDim("rel_bias", rb, 1, q.Shape[2], "one bias column per query head"))) return null;
            return new[] { new TensorType(q.DType, new Shape(q.Shape[0], q.Shape[1], q.Shape[2], v.Shape[3])) };
        },
        Cost = c =>
        {
            var q = c.Type("q"); var k = c.Type("k"); var v = c.Type("v");
            var b = c.P(q.Shape[0]); var s = c.P(q.Shape[1]); var hq = c.P(q.Shape[2]);
            long dk = c.Static(q.Shape[3]), dv = c.Static(v.Shape[3]);
            var pairs = b * hq * VisiblePairs(c, q.Shape[1], k.Shape[1]);
            var window = c.Int("window");
            var keysRead = window > 0 ? c.P(DimExpr.Bin(DimOp.Min, k.Shape[1], DimExpr.Sym("seq") + window)) : c.P(k.Shape[1]);
            var fromCache = c.Op.Operand("k")!.Owner?.Def == KvCache;
            // Keys and values are read as the cache stores them (e.g. FP8), not as computed.
            double kElem = ReadType(c.Op.Operand("k")!).BytesPerElement;
            double vElem = ReadType(c.Op.Operand("v")!).BytesPerElement;
            var kvBytes = b * keysRead * c.P(k.Shape[2]) * (dk * kElem + dv * vElem);
            return new OpCost
            {
                Class = OpClass.Attention,
                Flops = pairs * (2.0 * dk + 2.0 * dv + 5),
                ActivationBytes = c.Bytes(q) + c.Bytes(c.ResultType()) + (fromCache ? Poly.Zero : kvBytes),
                KvBytes = fromCache ? kvBytes : Poly.Zero,
                WeightBytes = c.Bytes(c.Op.Operand("sinks")) + c.Bytes(c.Op.Operand("rel_bias")),
            };
        },
        Example = "%12 = nn.attention %9, %10, %11 {causal = true} : bf16[batch, seq, 32, 128]",
    };

    /// <summary>
    /// Query-key pairs per (batch, head). S new queries at the end of a context of T keys: query i (0-based, at
    /// position T - S + i) sees T - S + i + 1 keys under the causal mask, so S T - S(S-1)/2 in all. A window W caps each
    /// at W: it sees min(W, T - S + i + 1). The pairs the window removes are those beyond it, sum over i of
    /// max(0, T - S + i + 1 - W): with u = max(T, W) - W = max(0, T - W) (how far the last query reaches past the
    /// window) and n = min(S, u) (the queries that reach past it), u + (u - 1) + ... + (u - n + 1) = n u - n(n - 1)/2. So
    /// <code>pairs = S T - S(S-1)/2 - n u + n(n-1)/2</code>, a polynomial over the atoms max(T, W) and
    /// min(S, max(T, W) - W); decode (S = 1) gives min(T, W). Without the causal mask a window gives S min(T, W).
    /// </summary>
    public static Poly VisiblePairs(CostContext c, DimExpr seq, DimExpr kvLen)
    {
        var s = c.P(seq);
        var t = c.P(kvLen);
        var window = c.Int("window");
        if (!c.Bool("causal")) return window > 0 ? s * c.P(DimExpr.Bin(DimOp.Min, kvLen, window)) : s * t;
        var causal = s * t + (s * s - s) * -0.5;
        if (window <= 0) return causal;
        // u = T - min(T, W), written max(T, W) - W: an opaque atom's text must hold no product (Poly keys its
        // monomials by atom text joined with '*'), and T - min(T, W) would print as T + -1 * min(T, W).
        var pastWindow = DimExpr.Bin(DimOp.Max, kvLen, window) - window;
        var u = c.P(pastWindow);
        var n = c.P(DimExpr.Bin(DimOp.Min, seq, pastWindow));
        return causal - n * u + (n * n - n) * 0.5;
    }

    public static readonly OpDef MlaAttention = new("nn.mla_attention",
        "Multi-head latent attention (DeepSeek-V2/V3): queries split into a no-RoPE part [b, s, h, dn] and a RoPE part [b, s, h, dr]; " +
        "the cache holds one compressed latent [b, kv_len, dc] and one shared RoPE key [b, kv_len, dr]; w_kv_b [dc, h*(dn+dv)] " +
        "expands the latent to keys and values. Costed in the absorbed form at decode and the expanded form at prefill.")
    {
        // w_kv_b is drawn as a projection but is not a GEMM matrix for quantize (the absorbed form folds it into the attention kernel).
        Operands = L(In("q_nope"), In("q_rope"), In("c_kv"), In("k_rope"), In("w_kv_b").Reads(new WeightUse(InitRole.Projection, fanInAxis: 0))),
        Attrs = L(Int("v_dim", "value head size dv"), Bool("causal", "mask future positions", true), Float("scale", "logit scale (0: 1/sqrt(dn+dr))", 0.0)),
        Class = OpClass.Attention,
        Fusion = FusionRole.Attention,
        Shard = ShardRule.LatentHeads,
        KernelKind = "mla",
        Infer = c =>
        {
            var qn = c.Operand("q_nope"); var qr = c.Operand("q_rope"); var ckv = c.Operand("c_kv"); var kr = c.Operand("k_rope"); var w = c.Operand("w_kv_b");
            if (!c.RequireExactRank("q_nope", qn, 4) || !c.RequireExactRank("q_rope", qr, 4) || !c.RequireExactRank("c_kv", ckv, 3) ||
                !c.RequireExactRank("k_rope", kr, 3) || !c.RequireExactRank("w_kv_b", w, 2)) return null;
            if (!c.RequireDim("q_rope", qr, 2, qn.Shape[2], "q_rope's heads must match q_nope's") ||
                !c.RequireDim("k_rope", kr, 2, qr.Shape[3], "k_rope's size must match q_rope's") ||
                !c.RequireDim("k_rope", kr, 1, ckv.Shape[1], "k_rope's length must match c_kv's") ||
                !c.RequireDim("w_kv_b", w, 0, ckv.Shape[2], "w_kv_b's rows must match the latent size")) return null;
            var dv = c.Dim("v_dim")!;
            var expected = qn.Shape[2] * (qn.Shape[3] + dv);
            if (!c.RequireDim("w_kv_b", w, 1, expected, "w_kv_b's columns must be heads * (nope + v_dim)")) return null;
            return new[] { new TensorType(qn.DType, new Shape(qn.Shape[0], qn.Shape[1], qn.Shape[2], dv)) };
        },
        Cost = c =>
        {
            var qn = c.Type("q_nope"); var qr = c.Type("q_rope"); var ckv = c.Type("c_kv"); var kr = c.Type("k_rope"); var w = c.Type("w_kv_b");
            var b = c.P(qn.Shape[0]); var s = c.P(qn.Shape[1]); var t = c.P(ckv.Shape[1]);
            long h = c.Static(qn.Shape[2]), dn = c.Static(qn.Shape[3]), dr = c.Static(qr.Shape[3]), dc = c.Static(ckv.Shape[2]), dv = c.Int("v_dim");
            var pairs = b * h * VisiblePairs(c, qn.Shape[1], ckv.Shape[1]);
            // The projection through w_kv_b, a GEMM of K = dc and N = h (dn + dv) (Gemm below: the cost model prices it apart from
            // the attention core where it has the MLA kernels' law). Expanded at prefill: up-project every cached latent to keys
            // and values (M = b t), then ordinary attention. Absorbed at decode: fold W_uk into the query and W_uv into the output
            // (M = b s), and attend in latent space.
            bool expanded = c.Phase == CostPhase.Prefill;
            var projection = new GemmShape(expanded ? b * t : b * s, dc, h * (dn + dv));
            var flops = projection.M * (2.0 * projection.K * projection.N) +
                        pairs * (expanded ? 2.0 * (dn + dr) + 2.0 * dv + 5 : 2.0 * (dc + dr) + 2.0 * dc + 5);
            double cElem = c.Op.Operand("c_kv")!.Owner is { } co && co.Def == KvCache ? StorageType(co).BytesPerElement : ckv.DType.BytesPerElement;
            double rElem = c.Op.Operand("k_rope")!.Owner is { } ro && ro.Def == KvCache ? StorageType(ro).BytesPerElement : kr.DType.BytesPerElement;
            var kvBytes = b * t * (dc * cElem + dr * rElem);
            return new OpCost
            {
                Class = OpClass.Attention,
                Flops = flops,
                WeightBytes = c.Bytes(w),
                ActivationBytes = c.Bytes(qn) + c.Bytes(qr) + c.Bytes(c.ResultType()),
                KvBytes = kvBytes,
                Gemm = projection,
            };
        },
    };

    public static readonly OpDef[] All = { KvCache, Attention, MlaAttention };
}
