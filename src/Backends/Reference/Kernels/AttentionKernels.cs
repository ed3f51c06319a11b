using System;
using System.Collections.Generic;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Scaled dot-product attention (GQA, causal and sliding-window masks, soft-capping, sinks,
/// T5 relative bias) and DeepSeek's multi-head latent attention, by absolute token positions.</summary>
internal static class AttentionKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (AttentionOps.Attention, Attention),
        (AttentionOps.MlaAttention, MlaAttention),
    };

    /// <summary>
    /// q [b, s, hq, dk] over k [b, t, hkv, dk] and v [b, t, hkv, dv]; query head h reads kv head
    /// h / (hq / hkv). Per query at position p: logit_j = q.k_j * scale (1/sqrt(dk) when 0), plus the
    /// T5 bias of bucket(pos_j - p) when rel_bias is given, then c * tanh(logit / c) when softcap c &gt; 0;
    /// keys with pos_j &gt; p (causal) or pos_j &lt;= p - window are masked; a sink adds one logit per head to
    /// the softmax's normalization that has no value. A query that sees nothing outputs zeros.
    /// </summary>
    private static IReadOnlyList<Tensor> Attention(OpCall c)
    {
        Tensor q = c.Input("q"), k = c.Input("k"), v = c.Input("v");
        c.RequireRank("q", q, 4); c.RequireRank("k", k, 4); c.RequireRank("v", v, 4);
        int b = q.Dim(0), s = q.Dim(1), hq = q.Dim(2), dk = q.Dim(3);
        int t = k.Dim(1), hkv = k.Dim(2), dv = v.Dim(3);
        if (k.Dim(0) != b || k.Dim(3) != dk || v.Dim(0) != b || v.Dim(1) != t || v.Dim(2) != hkv)
            throw c.Error($"q {q.ShapeText}, k {k.ShapeText} and v {v.ShapeText} do not fit together");
        if (hkv == 0 || hq % hkv != 0) throw c.Error($"{hq} query heads do not group over {hkv} kv heads");
        var sinks = c.Optional("sinks");
        if (sinks is not null && (sinks.Rank != 1 || sinks.Dim(0) != hq)) throw c.Error($"sinks {sinks.ShapeText} must be [{hq}]");
        var relBias = c.Optional("rel_bias");
        if (relBias is not null && (relBias.Rank != 2 || relBias.Dim(1) != hq)) throw c.Error($"rel_bias {relBias.ShapeText} must be [buckets, {hq}]");

        bool causal = c.Bool("causal");
        long window = c.Int("window");
        double scale = c.Float("scale");
        if (scale == 0) scale = 1 / Math.Sqrt(dk);
        double softcap = c.Float("softcap");
        var queryPos = c.QueryPositions(s);
        var keyPos = c.KeyPositions("k", t, s);
        int group = hq / hkv;

        var output = new float[b * s * hq * dv];
        var logits = new double[t];
        var visible = new bool[t];
        for (int bi = 0; bi < b; bi++)
            for (int i = 0; i < s; i++)
                for (int h = 0; h < hq; h++)
                {
                    int kvh = h / group;
                    int qo = ((bi * s + i) * hq + h) * dk;
                    for (int j = 0; j < t; j++)
                    {
                        long p = queryPos[i], pk = keyPos[j];
                        visible[j] = (!causal || pk <= p) && (window <= 0 || pk > p - window);
                        if (!visible[j]) continue;
                        int ko = ((bi * t + j) * hkv + kvh) * dk;
                        double dot = 0;
                        for (int e = 0; e < dk; e++) dot += (double)q.Data[qo + e] * k.Data[ko + e];
                        double logit = dot * scale;
                        if (relBias is not null)
                            logit += relBias.Data[RelativePositionBuckets.Bucket(pk - p, relBias.Dim(0), bidirectional: !causal) * hq + h];
                        if (softcap > 0) logit = Activations.Softcap(logit, softcap);
                        logits[j] = logit;
                    }
                    var weights = SoftmaxWithSink(logits, visible, sinks is null ? (double?)null : sinks.Data[h]);
                    int oo = ((bi * s + i) * hq + h) * dv;
                    for (int e = 0; e < dv; e++)
                    {
                        double acc = 0;
                        for (int j = 0; j < t; j++)
                            if (visible[j]) acc += weights[j] * v.Data[((bi * t + j) * hkv + kvh) * dv + e];
                        output[oo + e] = (float)acc;
                    }
                }
        return OpKernels.One(new Tensor(new[] { b, s, hq, dv }, output));
    }

    /// <summary>
    /// Multi-head latent attention, expanded: [k_nope | v] = c_kv @ w_kv_b split per head into (dn, dv);
    /// the key is k_nope joined with the shared RoPE key, so score = (q_nope.k_nope + q_rope.k_rope) * scale
    /// (1/sqrt(dn + dr) when 0), masked causally by position.
    /// </summary>
    private static IReadOnlyList<Tensor> MlaAttention(OpCall c)
    {
        Tensor qn = c.Input("q_nope"), qr = c.Input("q_rope"), ckv = c.Input("c_kv"), kr = c.Input("k_rope"), w = c.Input("w_kv_b");
        c.RequireRank("q_nope", qn, 4); c.RequireRank("q_rope", qr, 4); c.RequireRank("c_kv", ckv, 3);
        c.RequireRank("k_rope", kr, 3); c.RequireRank("w_kv_b", w, 2);
        int b = qn.Dim(0), s = qn.Dim(1), h = qn.Dim(2), dn = qn.Dim(3), dr = qr.Dim(3);
        int t = ckv.Dim(1), dc = ckv.Dim(2);
        int dv = (int)c.Int("v_dim");
        if (qr.Dim(0) != b || qr.Dim(1) != s || qr.Dim(2) != h || kr.Dim(0) != b || kr.Dim(1) != t || kr.Dim(2) != dr ||
            ckv.Dim(0) != b || w.Dim(0) != dc || w.Dim(1) != h * (dn + dv))
            throw c.Error($"q_nope {qn.ShapeText}, q_rope {qr.ShapeText}, c_kv {ckv.ShapeText}, k_rope {kr.ShapeText} and w_kv_b {w.ShapeText} do not fit together (v_dim {dv})");
        bool causal = c.Bool("causal");
        double scale = c.Float("scale");
        if (scale == 0) scale = 1 / Math.Sqrt(dn + dr);
        var queryPos = c.QueryPositions(s);
        var keyPos = c.KeyPositions("c_kv", t, s);

        // Up-project every cached latent: [b * t, dc] @ [dc, h * (dn + dv)].
        int width = h * (dn + dv);
        var expanded = LinearKernels.Multiply(ckv.Data, b * t, dc, w.Data, width);

        var output = new float[b * s * h * dv];
        var logits = new double[t];
        var visible = new bool[t];
        for (int bi = 0; bi < b; bi++)
            for (int i = 0; i < s; i++)
                for (int hi = 0; hi < h; hi++)
                {
                    int qno = ((bi * s + i) * h + hi) * dn, qro = ((bi * s + i) * h + hi) * dr;
                    for (int j = 0; j < t; j++)
                    {
                        visible[j] = !causal || keyPos[j] <= queryPos[i];
                        if (!visible[j]) continue;
                        int eo = (bi * t + j) * width + hi * (dn + dv);
                        int kro = (bi * t + j) * dr;
                        double dot = 0;
                        for (int e = 0; e < dn; e++) dot += (double)qn.Data[qno + e] * expanded[eo + e];
                        for (int e = 0; e < dr; e++) dot += (double)qr.Data[qro + e] * kr.Data[kro + e];
                        logits[j] = dot * scale;
                    }
                    var weights = SoftmaxWithSink(logits, visible, null);
                    int oo = ((bi * s + i) * h + hi) * dv;
                    for (int e = 0; e < dv; e++)
                    {
                        double acc = 0;
                        for (int j = 0; j < t; j++)
                            if (visible[j]) acc += weights[j] * expanded[(bi * t + j) * width + hi * (dn + dv) + dn + e];
                        output[oo + e] = (float)acc;
                    }
                }
        return OpKernels.One(new Tensor(new[] { b, s, h, dv }, output));
    }

    /// <summary>Softmax over the visible logits; a sink logit joins the normalization only.</summary>
    internal static double[] SoftmaxWithSink(double[] logits, bool[] visible, double? sink)
    {
        double max = sink ?? double.NegativeInfinity;
        for (int j = 0; j < logits.Length; j++) if (visible[j]) max = Math.Max(max, logits[j]);
        var weights = new double[logits.Length];
        if (double.IsNegativeInfinity(max)) return weights;
        double sum = sink is null ? 0 : Math.Exp(sink.Value - max);
        for (int j = 0; j < logits.Length; j++)
            if (visible[j]) { weights[j] = Math.Exp(logits[j] - max); sum += weights[j]; }
        for (int j = 0; j < logits.Length; j++) weights[j] /= sum;
        return weights;
    }
}
