using System;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>Norms, softmax, elementwise ops with broadcasting, casts, RoPE and the view-like shape ops
/// (reshape shares its slot; split, concat and last-token copy).</summary>
internal static class NnLowering
{
    /// <summary>The norm kernel's kind per op (LayerNorm's kind takes a bias).</summary>
    public static readonly System.Collections.Generic.Dictionary<OpDef, int> NormKinds = new() { [NnOps.RmsNorm] = 0, [NnOps.LayerNorm] = 1, [NnOps.Softmax] = 2 };

    public static readonly (OpDef, OpLowering)[] All = Fusion.Pointwise.Lowerings.Concat(new (OpDef, OpLowering)[]
    {
        (NnOps.RmsNorm, (c, op) => Norm(c, op, NormKinds[NnOps.RmsNorm])), (NnOps.LayerNorm, (c, op) => Norm(c, op, NormKinds[NnOps.LayerNorm])),
        (NnOps.Softmax, (c, op) => Norm(c, op, NormKinds[NnOps.Softmax])),
        (NnOps.SwigluClamped, SwigluClamped), (NnOps.Cast, Cast),
        (NnOps.Rope, Rope), (NnOps.Reshape, Reshape), (NnOps.Split, Split), (NnOps.Concat, Concat), (NnOps.LastToken, LastToken),
    }).ToArray();

    private static void Norm(TraceContext c, Operation op, int kind)
    {
        var x = c.Data(c.In(op, "x"));
        var w = kind == 2 ? null : c.Data(c.In(op, "weight"));
        var b = kind == 1 && c.Opt(op, "bias") is { } bias ? c.Data(bias) : null;
        if (w is not null && w.Count != x.LastDim) throw c.Error(op, $"weight {w.ShapeText} must be [{x.LastDim}]");
        var y = c.Result(op);
        var p = new NormArgs { Rows = (int)x.Rows, D = x.LastDim, Eps = kind == 2 ? 0f : (float)c.Float(op, "eps"), Kind = kind, HasBias = b is null ? 0 : 1 };
        c.Emit(op.Name, new[] { x, w, b }, new[] { y }, r => r.Kernels.Norm(r.View(x), w is null ? r.Kernels.None : r.View(w), r.View(y), p,
            bias: b is null ? null : r.View(b)));
    }

    public static void Binary(TraceContext c, Operation op, int code)
    {
        var a = c.Data(c.In(op, "a"));
        var b = c.Data(c.In(op, "b"));
        var y = c.Result(op);
        var p = Broadcast(c, op, a.Shape, b.Shape, y.Shape);
        p.Op = code;
        c.Emit(op.Name, new[] { a, b }, new[] { y }, r => r.Kernels.Binary(r.View(a), r.View(b), r.View(y), p));
    }

    /// <summary>Strides of a and b over the output's (at most four) axes; 0 along broadcast axes.</summary>
    public static BroadcastArgs Broadcast(TraceContext c, Operation op, int[] a, int[] b, int[] y)
    {
        if (y.Length > 4) throw c.Error(op, $"broadcasting over {y.Length} axes (the kernel takes four)");
        var sa = Strides(a, y); var sb = Strides(b, y);
        var d = Pad(y);
        return new BroadcastArgs
        {
            Count = y.Aggregate(1L, (acc, v) => acc * v), D1 = d[1], D2 = d[2], D3 = d[3],
            A0 = sa[0], A1 = sa[1], A2 = sa[2], A3 = sa[3], B0 = sb[0], B1 = sb[1], B2 = sb[2], B3 = sb[3],
        };
    }

    private static int[] Pad(int[] shape) => Enumerable.Repeat(1, 4 - shape.Length).Concat(shape).ToArray();

    private static long[] Strides(int[] shape, int[] output)
    {
        var s = Pad(shape);
        var o = Pad(output);
        var strides = new long[4];
        long stride = 1;
        for (int i = 3; i >= 0; i--)
        {
            strides[i] = s[i] == 1 && o[i] != 1 ? 0 : stride;
            stride *= s[i];
        }
        return strides;
    }

    public static void Unary(TraceContext c, Operation op, int act, float param = 0f, int round = 0)
    {
        var x = c.Data(c.In(op, "x"));
        var y = c.Result(op);
        c.Emit(op.Name, new[] { x }, new[] { y }, r => r.Kernels.Unary(r.View(x), r.View(y), x.Count, act, param, round));
    }

    private static void SwigluClamped(TraceContext c, Operation op)
    {
        var g = c.Data(c.In(op, "gate"));
        var u = c.Data(c.In(op, "up"));
        var y = c.Result(op);
        float alpha = (float)c.Float(op, "alpha"), limit = (float)c.Float(op, "limit");
        c.Emit(op.Name, new[] { g, u }, new[] { y }, r => r.Kernels.Gate(r.View(g), r.View(u), r.View(y), g.Rows, g.LastDim, g.LastDim, u.LastDim,
            Activation.None, true, alpha, limit));
    }

    private static void Cast(TraceContext c, Operation op)
    {
        var type = c.DType(op, "dtype") ?? throw c.Error(op, "has no dtype");
        Unary(c, op, Activation.None, 0f, RoundCode(c, op, type));
    }

    /// <summary>The <see cref="FormatRound"/> code that stores values as <paramref name="type"/> would.</summary>
    public static int RoundCode(TraceContext c, Operation op, DType type)
    {
        if (type == DType.F32) return FormatRound.None;
        if (type == DType.BF16) return FormatRound.Bf16;
        if (type == DType.F16) return FormatRound.F16;
        if (type == DType.Fp8E4M3) return FormatRound.Fp8E4M3;
        if (type == DType.Fp8E5M2) return FormatRound.Fp8E5M2;
        if (type == DType.I32 || type == DType.I64) return FormatRound.Truncate;
        if (type == DType.Bool) return FormatRound.Bool;
        throw c.Error(op, $"rounding to {type} (a block or group format) is not implemented on the device; the reference interpreter runs it");
    }

    private static void Rope(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x"));
        if (x.Shape.Length != 4) throw c.Error(op, $"x {x.ShapeText} must be [batch, seq, heads, head_dim]");
        var key = RopeKeyOf(c, op, x.Shape[3]);
        var y = c.Result(op);
        int seq = x.Shape[1];
        var p = new RopeArgs { B = x.Shape[0], S = seq, H = x.Shape[2], D = x.Shape[3], Half = key.Dims / 2 };
        c.Emit(op.Name, new[] { x }, new[] { y }, r =>
        {
            var (cos, sin) = r.Rope.Get(key, r.Past + seq);
            var args = p;
            args.Past = r.Past;
            r.Kernels.Rope(r.View(x), r.View(y), cos, sin, args);
        });
    }

    public static RopeKey RopeKeyOf(TraceContext c, Operation op, int headDim)
    {
        int dims = (int)c.Int(op, "dims");
        if (dims == 0) dims = headDim;
        if (dims < 0 || dims % 2 != 0 || dims > headDim) throw c.Error(op, $"dims = {dims} must be even and at most the head size {headDim}");
        var scaling = c.Str(op, "scaling");
        if (scaling is not ("none" or "linear" or "llama3")) throw c.Error(op, $"rope scaling '{scaling}' is not supported (none, linear, llama3)");
        return new RopeKey(dims, c.Float(op, "theta"), scaling, c.Float(op, "factor"));
    }

    private static void Reshape(TraceContext c, Operation op)
    {
        var x = c.In(op, "x");
        var shape = c.Dims(op.Attributes.GetShape("shape") ?? throw c.Error(op, "has no shape"));
        if (shape.Aggregate(1L, (a, d) => a * d) != x.Count) throw c.Error(op, $"cannot reshape {x.ShapeText} to [{string.Join(", ", shape)}]");
        c.Set(op.Result, (x.Cache is null && x.WeightName is null ? x : c.Data(x)).WithShape(shape));
    }

    private static void Split(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x"));
        int start = 0;
        for (int i = 0; i < op.Results.Count; i++)
        {
            var y = c.Result(op, i);
            int from = start, width = y.LastDim;
            c.Emit(op.Name, new[] { x }, new[] { y }, r => r.Kernels.Copy2D(r.View(x), r.View(y), x.Rows, width, x.LastDim, width, from, 0));
            start += width;
        }
        if (start != x.LastDim) throw c.Error(op, $"pieces of {start} columns do not cover the last axis of {x.ShapeText}");
    }

    private static void Concat(TraceContext c, Operation op)
    {
        var xs = op.VariadicOperands.Select(v => c.Data(c.Get(v))).ToArray();
        var y = c.Result(op);
        c.Emit(op.Name, xs, new[] { y }, r =>
        {
            int at = 0;
            foreach (var x in xs) { r.Kernels.Copy2D(r.View(x), r.View(y), x.Rows, x.LastDim, x.LastDim, y.LastDim, 0, at); at += x.LastDim; }
        });
    }

    private static void LastToken(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x"));
        if (x.Shape.Length < 2 || x.Shape[1] == 0) throw c.Error(op, $"x {x.ShapeText} needs a non-empty sequence axis");
        var y = c.Result(op);
        int b = x.Shape[0], s = x.Shape[1];
        int inner = (int)(x.Count / Math.Max(1, b * s));
        c.Emit(op.Name, new[] { x }, new[] { y }, r => r.Kernels.Copy2D(r.View(x), r.View(y), b, inner, (long)s * inner, inner, (long)(s - 1) * inner, 0));
    }
}
