using System;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>
/// The recurrent ops: each keeps its state in a device buffer per repeat iteration (<see cref="Execution.DeviceCaches.State"/>),
/// keyed like a KV cache, zero before the first step; the kernels scan the step's tokens in order and update it in place.
/// The state is kept in f32 (an op asking for another state type is refused, as the kernels would not round like the reference).
/// </summary>
internal static class RecurrentLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (RecurrentOps.CausalConv1d, CausalConv1d), (RecurrentOps.GatedDelta, GatedDelta), (RecurrentOps.Ssd, Ssd),
        (RecurrentOps.GroupRmsNorm, GroupRmsNorm),
    };

    private static void CausalConv1d(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x")); var w = c.Data(c.In(op, "w"));
        var bias = c.Opt(op, "bias") is { } b ? c.Data(b) : null;
        if (x.Shape.Length != 3 || w.Shape.Length != 2 || w.Shape[0] != x.Shape[2]) throw c.Error(op, $"x {x.ShapeText} and w {w.ShapeText} must be [b, s, c] and [c, width]");
        var p = new RecurrentArgs { B = x.Shape[0], S = x.Shape[1], C = x.Shape[2], Width = w.Shape[1], HasBias = bias is null ? 0 : 1 };
        var handle = State(c, op, (long)(p.Width - 1) * p.C);
        var y = c.Result(op);
        c.Emit(op.Name, new[] { x, w, bias }, new[] { y }, r =>
            r.Kernels.CausalConv1d(r.View(x), r.View(w), bias is null ? null : r.View(bias), r.Caches.State(handle, p.B).View, r.View(y), p));
    }

    private static void GatedDelta(TraceContext c, Operation op)
    {
        var q = c.Data(c.In(op, "q")); var k = c.Data(c.In(op, "k")); var v = c.Data(c.In(op, "v"));
        var a = c.Data(c.In(op, "a")); var beta = c.Data(c.In(op, "beta"));
        var aLog = c.Data(c.In(op, "a_log")); var dtBias = c.Data(c.In(op, "dt_bias"));
        if (q.Shape.Length != 4 || v.Shape.Length != 4 || q.Shape[2] == 0 || v.Shape[2] % q.Shape[2] != 0)
            throw c.Error(op, $"q {q.ShapeText} and v {v.ShapeText} must be [b, s, k_heads, dk] and [b, s, v_heads, dv] with v_heads a multiple of k_heads");
        var p = new RecurrentArgs { B = q.Shape[0], S = q.Shape[1], KeyHeads = q.Shape[2], Rows = q.Shape[3], Heads = v.Shape[2], Cols = v.Shape[3] };
        var handle = State(c, op, (long)p.Heads * p.Rows * p.Cols);
        var o = c.Result(op);
        c.Emit(op.Name, new[] { q, k, v, a, beta, aLog, dtBias }, new[] { o }, r =>
            r.Kernels.GatedDelta(r.View(q), r.View(k), r.View(v), r.View(a), r.View(beta), r.View(aLog), r.View(dtBias),
                r.Caches.State(handle, p.B).View, r.View(o), p));
    }

    private static void Ssd(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x")); var dt = c.Data(c.In(op, "dt")); var bm = c.Data(c.In(op, "b")); var cm = c.Data(c.In(op, "c"));
        var aLog = c.Data(c.In(op, "a_log")); var dtBias = c.Data(c.In(op, "dt_bias"));
        var d = c.Opt(op, "d") is { } skip ? c.Data(skip) : null;
        if (x.Shape.Length != 4 || bm.Shape.Length != 4 || bm.Shape[2] == 0 || x.Shape[2] % bm.Shape[2] != 0)
            throw c.Error(op, $"x {x.ShapeText} and b {bm.ShapeText} must be [b, s, heads, p] and [b, s, groups, n] with heads a multiple of groups");
        var p = new RecurrentArgs
        {
            B = x.Shape[0], S = x.Shape[1], Heads = x.Shape[2], Rows = x.Shape[3], Groups = bm.Shape[2], Cols = bm.Shape[3],
            PerStateDecay = aLog.Shape.Length == 2 ? 1 : 0, HasSkip = d is null ? 0 : 1,
        };
        var handle = State(c, op, (long)p.Heads * p.Rows * p.Cols);
        var y = c.Result(op);
        c.Emit(op.Name, new[] { x, dt, bm, cm, aLog, dtBias, d }, new[] { y }, r =>
            r.Kernels.Ssd(r.View(x), r.View(dt), r.View(bm), r.View(cm), r.View(aLog), r.View(dtBias), d is null ? null : r.View(d),
                r.Caches.State(handle, p.B).View, r.View(y), p));
    }

    private static void GroupRmsNorm(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x")); var w = c.Data(c.In(op, "weight"));
        int groups = (int)c.Int(op, "groups");
        if (w.Count != x.LastDim || groups < 1 || x.LastDim % groups != 0) throw c.Error(op, $"weight {w.ShapeText} and groups = {groups} do not fit x {x.ShapeText}");
        var p = new RecurrentArgs { B = (int)x.Rows, C = x.LastDim, Groups = groups, Eps = (float)c.Float(op, "eps") };
        var y = c.Result(op);
        c.Emit(op.Name, new[] { x, w }, new[] { y }, r => r.Kernels.GroupRmsNorm(r.View(x), r.View(w), r.View(y), p));
    }

    /// <summary>The key of the op's state at this repeat iteration: <paramref name="inner"/> floats per sequence.</summary>
    private static CacheHandle State(TraceContext c, Operation op, long inner)
    {
        if (c.DType(op, "state_dtype") is { } type && type != Ir.Types.DType.F32)
            throw c.Error(op, $"a recurrent state stored as {type} (the kernels keep it in f32)");
        return new CacheHandle(op, c.Path, checked((int)inner), 0, FormatRound.None);
    }
}
