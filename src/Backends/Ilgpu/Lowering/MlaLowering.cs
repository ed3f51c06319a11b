using System;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>
/// Multi-head latent attention in its expanded form, as the reference computes it: one GEMM
/// up-projects every cached latent [b, t, dc] through w_kv_b to per-head [k_nope | v]; strided copies
/// assemble keys [k_nope | k_rope shared by all heads], values and queries [q_nope | q_rope]; then the
/// flash-style attention kernel runs with as many kv heads as query heads. (The absorbed form that
/// attends in latent space is what the cost model prices at decode; it computes the same values.)
/// </summary>
internal static class MlaLowering
{
    public static void Lower(TraceContext c, Operation op)
    {
        var qn = c.Data(c.In(op, "q_nope"));
        var qr = c.Data(c.In(op, "q_rope"));
        var ckv = c.Data(c.In(op, "c_kv"));
        var kr = c.Data(c.In(op, "k_rope"));
        if (qn.Shape.Length != 4 || qr.Shape.Length != 4 || ckv.Shape.Length != 3 || kr.Shape.Length != 3)
            throw c.Error(op, "q_nope and q_rope must be [b, s, heads, d]; c_kv and k_rope [b, t, d]");
        int b = qn.Shape[0], s = qn.Shape[1], h = qn.Shape[2], dn = qn.Shape[3], dr = qr.Shape[3];
        int t = ckv.Shape[1], dc = ckv.Shape[2], dv = (int)c.Int(op, "v_dim"), width = h * (dn + dv), dk = dn + dr;
        if (qr.Shape[2] != h || kr.Shape[1] != t || kr.Shape[2] != dr || dv > AttentionKernels.MaxDv)
            throw c.Error(op, $"q_nope {qn.ShapeText}, q_rope {qr.ShapeText}, c_kv {ckv.ShapeText} and k_rope {kr.ShapeText} do not fit together (v_dim {dv})");
        var w = LinearLowering.Weight(c, c.In(op, "w_kv_b"), transposeW: false);
        if (w.Cols != dc || w.Rows != width) throw c.Error(op, $"w_kv_b must be [{dc}, {width}]");

        var expanded = c.NewActivation(new[] { b, t, width });
        LinearLowering.EmitMatmul(c, op.Name + " up-projection", ckv, w, expanded, EpilogueSpec.None);
        var q = c.NewActivation(new[] { b, s, h, dk });
        var k = c.NewActivation(new[] { b, t, h, dk });
        var v = c.NewActivation(new[] { b, t, h, dv });
        long queries = (long)b * s * h, keys = (long)b * t * h;
        c.Emit(op.Name + " assemble", new[] { qn, qr, kr, expanded }, new[] { q, k, v }, r =>
        {
            var kernels = r.Kernels;
            kernels.Copy2D(r.View(qn), r.View(q), queries, dn, dn, dk);
            kernels.Copy2D(r.View(qr), r.View(q), queries, dr, dr, dk, 0, dn);
            kernels.Copy2D(r.View(expanded), r.View(k), keys, dn, dn + dv, dk);
            kernels.Copy2D(r.View(expanded), r.View(v), keys, dv, dn + dv, dv, dn, 0);
            // The shared RoPE key goes to every head.
            for (int head = 0; head < h; head++)
                kernels.Copy2D(r.View(kr), r.View(k), (long)b * t, dr, dr, (long)h * dk, 0, (long)head * dk + dn);
        });

        double scale = c.Float(op, "scale");
        if (scale == 0) scale = 1 / Math.Sqrt(dk);
        var p = new AttentionArgs
        {
            B = b, S = s, Hq = h, Hkv = h, Dk = dk, Dv = dv, KRow = h * dk, VRow = h * dv, T = t,
            KBatch = (long)t * h * dk, VBatch = (long)t * h * dv, Causal = c.Bool(op, "causal") ? 1 : 0, Scale = (float)scale,
        };
        var y = c.Result(op);
        c.Emit(op.Name, new[] { q, k, v }, new[] { y }, r =>
        {
            var args = p;
            args.Past = r.Past;
            // The last key sits at the last query, as in the reference.
            args.KeyPos = r.Past + s - t;
            r.Kernels.Attention(r.View(q), r.View(k), r.View(v), r.View(y), args);
        });
    }
}
