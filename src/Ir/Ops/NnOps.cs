using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>Neural-network ops: embedding, matmul, elementwise math, norms, RoPE and shape ops.</summary>
public static class NnOps
{
    public static readonly OpDef Embedding = new("nn.embedding", "Looks up one row of `table` per token id.")
    {
        Operands = L(In("ids", "integer token ids [...]"), In("table", "[vocab, dim]").Reads(WeightUse.Embedding)),
        Class = OpClass.Memory,
        Shard = ShardRule.Embedding,
        Infer = c =>
        {
            var ids = c.Operand("ids"); var table = c.Operand("table");
            if (!c.RequireInt("ids", ids) || !c.RequireExactRank("table", table, 2)) return null;
            return new[] { new TensorType(table.DType, new Shape(ids.Shape.Dims.Append(table.Shape[1]))) };
        },
        // Only the gathered rows are read, not the whole table.
        Cost = c => new OpCost
        {
            Class = OpClass.Memory,
            WeightBytes = c.Bytes(c.ResultType()),
            ActivationBytes = c.Bytes(c.Type("ids")) + c.Bytes(c.ResultType()),
        },
        Example = "%2 = nn.embedding %0, %1 : bf16[batch, seq, 4096]",
    };

    public static readonly OpDef MatMul = new("nn.matmul", "x[..., K] times w[K, N] (w[N, K] with transpose_w); the result has x's dtype.")
    {
        Operands = L(In("x", "activations [..., K]"),
            In("w", "[K, N], usually a weight").Reads(new WeightUse(InitRole.Projection, gemmMatrix: true, fanInAxisOf: op => op.Attributes.GetBool("transpose_w") == true ? 1 : 0))),
        Attrs = L(Bool("transpose_w", "w is stored [N, K] (e.g. a tied embedding used as the LM head)", false),
            Type("act_dtype", "the type the GEMM reads x in (set by quantize{activations=...}): bf16 rounds, fp8_e4m3 scales each row to the format's range first; absent: x as it is", required: false)),
        Class = OpClass.Gemm,
        Fusion = FusionRole.Gemm,
        Shard = ShardRule.Gemm,
        ComputeWeight = "w",
        KernelKind = "gemm",
        Infer = c =>
        {
            var x = c.Operand("x"); var w = c.Operand("w");
            if (!c.RequireRank("x", x, 1) || !c.RequireExactRank("w", w, 2)) return null;
            var t = c.Bool("transpose_w");
            var k = t ? w.Shape[1] : w.Shape[0];
            var n = t ? w.Shape[0] : w.Shape[1];
            if (!c.Equal(x.Shape.Last, k))
            {
                c.Error(DiagnosticCatalog.ShapeMismatch,
                    $"nn.matmul: inner dimensions differ: x is {x.Shape} and w is {w.Shape}{(t ? " (transposed)" : "")}; {x.Shape.Last} vs {k}");
                return null;
            }
            return new[] { new TensorType(x.DType, x.Shape.WithLast(n)) };
        },
        Cost = c =>
        {
            var x = c.Type("x"); var w = c.Type("w");
            var m = c.Rows(x);
            var t = c.Bool("transpose_w");
            long k = c.Static(t ? w.Shape[1] : w.Shape[0]), n = c.Static(t ? w.Shape[0] : w.Shape[1]);
            var isWeight = OpCosts.IsWeight(c.Op.Operand("w")!);
            return new OpCost
            {
                Class = OpClass.Gemm,
                Flops = m * (2.0 * k * n),
                WeightBytes = isWeight ? c.Bytes(w) : Poly.Zero,
                ActivationBytes = c.Bytes(x) + c.Bytes(c.ResultType()) + (isWeight ? Poly.Zero : c.Bytes(w)),
                Gemm = new GemmShape(m, k, n),
            };
        },
        Example = "%7 = nn.matmul %5, %6 : bf16[batch, seq, 14336]",
    };

    public static readonly OpDef Add = Binary("nn.add", "Elementwise a + b with broadcasting.", OpTraits.Commutative, FusionRole.Sum, WeightUse.Bias);
    public static readonly OpDef Sub = Binary("nn.sub", "Elementwise a - b with broadcasting.", OpTraits.None, FusionRole.Pointwise, WeightUse.Bias);
    public static readonly OpDef Mul = Binary("nn.mul", "Elementwise a * b with broadcasting.", OpTraits.Commutative, FusionRole.Product, WeightUse.Scale);

    public static readonly OpDef Scale = new("nn.scale", "x times a constant factor.")
    {
        Operands = L(In("x")),
        Attrs = L(Float("factor", "multiplier")),
        Traits = OpTraits.Pure | OpTraits.Elementwise,
        Class = OpClass.Elementwise,
        Infer = c => new[] { c.Operand("x") },
        Cost = c => OpCosts.Elementwise(c, 1),
    };

    public static readonly OpDef Silu = Unary("nn.silu", "x * sigmoid(x).", 4, "silu", "swish");
    public static readonly OpDef Gelu = Unary("nn.gelu", "Gaussian error linear unit (erf form).", 8, "gelu");
    public static readonly OpDef GeluTanh = Unary("nn.gelu_tanh", "GELU, tanh approximation.", 8, "gelu_tanh");
    public static readonly OpDef Relu = Unary("nn.relu", "max(x, 0).", 1, "relu");
    public static readonly OpDef Sigmoid = Unary("nn.sigmoid", "1 / (1 + exp(-x)).", 4, "sigmoid");
    public static readonly OpDef Tanh = Unary("nn.tanh", "Hyperbolic tangent.", 4, "tanh");
    public static readonly OpDef Relu2 = Unary("nn.relu2", "Squared ReLU, max(x, 0)^2 (Primer; Nemotron-H's MLP).", 2, "relu2", "squared_relu");

    public static readonly OpDef Softcap = new("nn.softcap", "cap * tanh(x / cap), as Grok and Gemma cap logits.")
    {
        Operands = L(In("x")),
        Attrs = L(Float("cap", "the cap")),
        Traits = OpTraits.Pure | OpTraits.Elementwise,
        Class = OpClass.Elementwise,
        Infer = c => new[] { c.Operand("x") },
        Cost = c => OpCosts.Elementwise(c, 6),
    };

    public static readonly OpDef SwigluClamped = new("nn.swiglu_clamped",
        "gpt-oss gate: g = min(gate, limit); u = clamp(up, -limit, limit); g * sigmoid(alpha * g) * (u + 1).")
    {
        Operands = L(In("gate"), In("up")),
        Attrs = L(Float("alpha", "sigmoid slope", 1.702), Float("limit", "clamp limit", 7.0)),
        Traits = OpTraits.Pure | OpTraits.Elementwise,
        Class = OpClass.Elementwise,
        Fusion = FusionRole.Gate,
        Infer = c =>
        {
            var g = c.Operand("gate"); var u = c.Operand("up");
            if (!c.SameShape(g.Shape, u.Shape))
            {
                c.Error(DiagnosticCatalog.ShapeMismatch, $"nn.swiglu_clamped: gate is {g.Shape} but up is {u.Shape}");
                return null;
            }
            return new[] { g };
        },
        Cost = c => OpCosts.Elementwise(c, 8),
    };

    public static readonly OpDef RmsNorm = new("nn.rmsnorm", "x / sqrt(mean(x^2) + eps) * weight, over the last axis.")
    {
        Operands = L(In("x"), In("weight", "[dim]").Reads(WeightUse.Scale)),
        Attrs = L(Float("eps", "added to the mean square", 1e-6)),
        Class = OpClass.Norm,
        Fusion = FusionRole.Norm,
        Shard = ShardRule.PerRow,
        Infer = c => Norm(c, "nn.rmsnorm"),
        Cost = c => OpCosts.Norm(c, 4),
        Example = "%4 = nn.rmsnorm %2, %3 {eps = 1e-05} : bf16[batch, seq, 4096]",
    };

    public static readonly OpDef LayerNorm = new("nn.layernorm", "(x - mean) / sqrt(var + eps) * weight + bias, over the last axis.")
    {
        Operands = L(In("x"), In("weight", "[dim]").Reads(WeightUse.Scale), Opt("bias", "[dim]").Reads(WeightUse.Zero)),
        Attrs = L(Float("eps", "added to the variance", 1e-5)),
        Class = OpClass.Norm,
        Fusion = FusionRole.Norm,
        Shard = ShardRule.PerRow,
        Infer = c =>
        {
            var r = Norm(c, "nn.layernorm");
            if (r is not null && c.Slot("bias") is { } b && !c.RequireExactRank("bias", b, 1)) return null;
            return r;
        },
        Cost = c => OpCosts.Norm(c, 7),
    };

    public static readonly OpDef Rope = new("nn.rope", "Rotary position embedding on [batch, seq, heads, head_dim] at each token's position.")
    {
        Operands = L(In("x", "[batch, seq, heads, head_dim]")),
        Attrs = L(Float("theta", "base frequency", 10000.0), Int("dims", "rotated dimensions (0: all of head_dim)", 0),
            Choice("scaling", "context-extension scaling", "none", "none", "linear", "yarn", "llama3"), Float("factor", "scaling factor", 1.0)),
        Traits = OpTraits.Pure,
        Class = OpClass.Elementwise,
        // Per position: fuses like a pointwise op, but mixes pairs along the last axis.
        Fusion = FusionRole.Pointwise,
        Shard = ShardRule.PerRow,
        Infer = c =>
        {
            var x = c.Operand("x");
            if (!c.RequireExactRank("x", x, 4) || !c.RequireFloat("x", x)) return null;
            var dims = c.Int("dims") ?? 0;
            var hd = c.Static(x.Shape[3]);
            if (dims < 0 || dims % 2 != 0 || (hd is not null && dims > hd))
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, $"nn.rope: dims = {dims} must be even and at most head_dim ({x.Shape[3]})");
                return null;
            }
            return new[] { x };
        },
        Cost = c => OpCosts.Elementwise(c, 6),
    };

    public static readonly OpDef Reshape = new("nn.reshape", "Same elements, new shape (a view).")
    {
        Operands = L(In("x")),
        Attrs = L(ShapeA("shape", "the new shape")),
        Class = OpClass.None,
        Fusion = FusionRole.View,
        Shard = ShardRule.View,
        Infer = c =>
        {
            var x = c.Operand("x");
            var shape = c.Attrs.GetShape("shape")!;
            var a = c.Resolve(x.Shape.NumElements());
            var b = c.Resolve(shape.NumElements());
            if (a is null || b is null || !a.Equals(b))
            {
                c.Error(DiagnosticCatalog.ShapeMismatch, $"nn.reshape: cannot reshape {x.Shape} to {shape}: element counts differ");
                return null;
            }
            return new[] { new TensorType(x.DType, shape) };
        },
        Cost = _ => OpCost.Free,
    };

    public static readonly OpDef Split = new("nn.split", "Splits the last axis into pieces of the given sizes (views).")
    {
        Operands = L(In("x")),
        Attrs = L(Ints("sizes", "size of each piece along the last axis")),
        ResultNames = L("pieces"),
        Class = OpClass.None,
        Fusion = FusionRole.View,
        Shard = ShardRule.PerRow,
        Infer = c =>
        {
            var x = c.Operand("x");
            if (!c.RequireRank("x", x, 1)) return null;
            var sizes = ((ListAttr)c.Attrs.Get("sizes")!).Items.Select(i => ((IntAttr)i).Value).ToArray();
            if (sizes.Length < 2)
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, "nn.split: needs at least two sizes");
                return null;
            }
            var sum = sizes.Aggregate((a, b) => a + b);
            if (!c.Equal(sum, x.Shape.Last))
            {
                c.Error(DiagnosticCatalog.ShapeMismatch, $"nn.split: sizes add up to {sum.Simplify()} but the last axis of {x.Shape} is {x.Shape.Last}");
                return null;
            }
            return sizes.Select(s => new TensorType(x.DType, x.Shape.WithLast(s))).ToArray();
        },
        Cost = _ => OpCost.Free,
    };

    public static readonly OpDef Concat = new("nn.concat", "Concatenates along the last axis.")
    {
        Operands = L(Var("xs")),
        Class = OpClass.Memory,
        Infer = c =>
        {
            var xs = c.Variadic;
            if (xs.Count < 2) { c.Error(DiagnosticCatalog.InvalidAttribute, "nn.concat: needs at least two operands"); return null; }
            var first = xs[0];
            for (int i = 1; i < xs.Count; i++)
            {
                var y = xs[i];
                if (y.Rank != first.Rank || y.DType != first.DType ||
                    !c.SameShape(new Shape(y.Shape.Dims.Take(y.Rank - 1)), new Shape(first.Shape.Dims.Take(first.Rank - 1))))
                {
                    c.Error(DiagnosticCatalog.ShapeMismatch, $"nn.concat: operand {i} is {y} but operand 0 is {first}; all but the last axis must match");
                    return null;
                }
            }
            var last = xs.Select(x => x.Shape.Last).Aggregate((a, b) => a + b).Simplify();
            return new[] { new TensorType(first.DType, first.Shape.WithLast(last)) };
        },
        Cost = c => new OpCost { Class = OpClass.Memory, ActivationBytes = c.Bytes(c.ResultType()) * 2 },
    };

    public static readonly OpDef Cast = new("nn.cast", "Converts to another element type.")
    {
        Operands = L(In("x")),
        Attrs = L(Type("dtype", "target element type")),
        Traits = OpTraits.Pure | OpTraits.Elementwise,
        Class = OpClass.Elementwise,
        Fusion = FusionRole.Convert,
        Infer = c => new[] { c.Operand("x").WithDType(c.Attrs.GetDType("dtype")!) },
        // A cast to the same type is the identity (canonicalize removes it).
        Cost = c => c.Type("x").DType == c.ResultType().DType ? OpCost.Free : OpCosts.Elementwise(c, 1),
    };

    public static readonly OpDef Softmax = new("nn.softmax", "Softmax over the last axis.")
    {
        Operands = L(In("x")),
        Class = OpClass.Norm,
        Shard = ShardRule.PerRow,
        Infer = c => new[] { c.Operand("x") },
        Cost = c => OpCosts.Elementwise(c, 5),
    };

    public static readonly OpDef LastToken = new("nn.last_token", "Keeps only the last position of each sequence: [batch, seq, ...] to [batch, 1, ...] (serving needs logits of the last token only).")
    {
        Operands = L(In("x", "[batch, seq, ...]")),
        Class = OpClass.Memory,
        Fusion = FusionRole.Copy,
        Infer = c =>
        {
            var x = c.Operand("x");
            if (!c.RequireRank("x", x, 2)) return null;
            var dims = x.Shape.Dims.ToArray();
            dims[1] = DimExpr.Of(1);
            return new[] { new TensorType(x.DType, new Shape(dims)) };
        },
        // A strided gather of one row per sequence.
        Cost = c => new OpCost { Class = OpClass.Memory, ActivationBytes = c.Bytes(c.ResultType()) * 2 },
    };

    public static readonly OpDef BatchSlice = new("nn.batch_slice", "Nano-batch `index` of `count`: the sequences [index * batch/count, (index+1) * batch/count) (a view).")
    {
        Operands = L(In("x", "[batch, ...]")),
        Attrs = L(Int("index", "which slice"), Int("count", "slices of the batch")),
        Class = OpClass.None,
        Infer = c =>
        {
            var x = c.Operand("x");
            long? i = c.Int("index"), n = c.Int("count");
            if (n is null || n < 1 || i is null || i < 0 || i >= n) { c.Error(DiagnosticCatalog.InvalidAttribute, $"nn.batch_slice: index {i} must be in 0..count-1 (count {n})"); return null; }
            if (!c.RequireRank("x", x, 1)) return null;
            var dims = x.Shape.Dims.ToArray();
            dims[0] = (dims[0] / DimExpr.Of(n.Value)).Simplify();
            return new[] { new TensorType(x.DType, new Shape(dims)) };
        },
        Cost = _ => OpCost.Free,
    };

    public static readonly OpDef BatchConcat = new("nn.batch_concat", "Joins nano-batches back into one batch of `size` (along the first axis; a view: the nano-batches are slices of one buffer).")
    {
        Operands = L(Var("xs")),
        Attrs = L(new AttrSpec("size", AttrKind.Int, "the joined first dimension (the batch the slices came from)", required: true)),
        Class = OpClass.None,
        Infer = c =>
        {
            var xs = c.Variadic;
            if (xs.Count < 1) { c.Error(DiagnosticCatalog.InvalidAttribute, "nn.batch_concat: needs operands"); return null; }
            var first = xs[0];
            foreach (var y in xs.Skip(1))
                if (!c.SameShape(y.Shape, first.Shape) || y.DType != first.DType)
                {
                    c.Error(DiagnosticCatalog.ShapeMismatch, $"nn.batch_concat: nano-batches differ: {first} and {y}");
                    return null;
                }
            var dims = first.Shape.Dims.ToArray();
            dims[0] = c.Dim("size")!;
            return new[] { new TensorType(first.DType, new Shape(dims)) };
        },
        Cost = _ => OpCost.Free,
    };

    public static readonly OpDef[] All =
    {
        LastToken, BatchSlice, BatchConcat,
        Embedding, MatMul, Add, Sub, Mul, Scale, Silu, Gelu, GeluTanh, Relu, Sigmoid, Tanh, Relu2, Softcap, SwigluClamped,
        RmsNorm, LayerNorm, Rope, Reshape, Split, Concat, Cast, Softmax,
    };

    private static OpDef Binary(string name, string summary, OpTraits extra, FusionRole fusion, WeightUse weight) => new(name, summary)
    {
        Operands = L(In("a").Reads(weight), In("b").Reads(weight)),
        Traits = OpTraits.Pure | OpTraits.Elementwise | extra,
        Class = OpClass.Elementwise,
        Fusion = fusion,
        Infer = c =>
        {
            var a = c.Operand("a"); var b = c.Operand("b");
            if (a.DType != b.DType)
            {
                c.Error(DiagnosticCatalog.DTypeMismatch, $"{name}: operands have different dtypes: {a} and {b}");
                return null;
            }
            var s = c.Broadcast("a", a, "b", b);
            return s is null ? null : new[] { new TensorType(a.DType, s) };
        },
        Cost = c => OpCosts.Elementwise(c, 1),
    };

    private static OpDef Unary(string name, string summary, double flopsPerElement, params string[] activationNames) => new(name, summary)
    {
        ActivationNames = activationNames,
        Operands = L(In("x")),
        Traits = OpTraits.Pure | OpTraits.Elementwise,
        Class = OpClass.Elementwise,
        Infer = c => c.RequireFloat("x", c.Operand("x")) ? new[] { c.Operand("x") } : null,
        Cost = c => OpCosts.Elementwise(c, flopsPerElement),
    };

    private static IReadOnlyList<TensorType>? Norm(InferContext c, string name)
    {
        var x = c.Operand("x"); var w = c.Operand("weight");
        if (!c.RequireRank("x", x, 1) || !c.RequireFloat("x", x) || !c.RequireExactRank("weight", w, 1)) return null;
        if (!c.RequireDim("weight", w, 0, x.Shape.Last, "the weight must match the normalized (last) axis")) return null;
        return new[] { x };
    }
}

/// <summary>Cost helpers shared by the op tables.</summary>
public static class OpCosts
{
    /// <summary>True when the value is a weight, directly or as the argument of fused kernels that stand for one. A
    /// quantized weight is still a core.weight (of a low-bit type), so no conversion op stands between.</summary>
    public static bool IsWeight(Value v)
    {
        for (int guard = 0; guard < 8 && v.Owner is null; guard++)
        {
            if (v.ArgumentOf?.Parent is not { } parent || parent.Def.Structure != OpStructure.Kernel || v.Index >= parent.Operands.Count) return false;
            v = parent.Operands[v.Index];
        }
        return v.Owner?.Def.Structure == OpStructure.Weight;
    }

    /// <summary>Reads every operand once, writes every result once, k FLOPs per result element.</summary>
    public static OpCost Elementwise(CostContext c, double flopsPerElement)
    {
        var bytes = c.Op.Operands.Aggregate(Poly.Zero, (acc, v) => acc + c.Bytes(v.Type));
        bytes += c.Op.Results.Aggregate(Poly.Zero, (acc, v) => acc + c.Bytes(v.Type));
        var elems = c.Op.Results.Aggregate(Poly.Zero, (acc, v) => acc + c.Numel(v.Type));
        return new OpCost { Class = OpClass.Elementwise, Flops = elems * flopsPerElement, ActivationBytes = bytes };
    }

    public static OpCost Norm(CostContext c, double flopsPerElement)
    {
        var x = c.Type("x");
        var weights = c.Bytes(c.Op.Operand("weight")) + c.Bytes(c.Op.Operand("bias"));
        return new OpCost
        {
            Class = OpClass.Norm,
            Flops = c.Numel(x) * flopsPerElement,
            WeightBytes = weights,
            ActivationBytes = c.Bytes(x) + c.Bytes(c.ResultType()),
        };
    }
}
