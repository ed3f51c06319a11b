using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>
/// The recurrent ops (src/Ir/Ops/RecurrentOps.cs) in their sequential form, one token after another, in double: the
/// short causal convolution, gated DeltaNet's delta rule and Mamba-2's SSD scan. Each keeps its state per repeat
/// iteration in the step's cache (as kv.cache does its entries), zero before the first step, staged and committed only
/// when the step succeeds; the state is stored rounded to the op's state type.
/// </summary>
internal static class RecurrentKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (RecurrentOps.CausalConv1d, CausalConv1d), (RecurrentOps.GatedDelta, GatedDelta), (RecurrentOps.Ssd, Ssd),
        (RecurrentOps.GroupRmsNorm, GroupRmsNorm),
    };

    /// <summary>y[t, c] = sum_j w[c, j] window[t + j, c] + bias[c], where window is the kept width - 1 inputs then x.</summary>
    private static IReadOnlyList<Tensor> CausalConv1d(OpCall c)
    {
        var x = c.Input("x"); var w = c.Input("w"); var bias = c.Optional("bias");
        c.RequireRank("x", x, 3);
        int b = x.Dim(0), s = x.Dim(1), ch = x.Dim(2), width = w.Dim(1);
        if (w.Rank != 2 || w.Dim(0) != ch) throw c.Error($"w {w.ShapeText} must be [{ch}, width]");
        int kept = width - 1;
        var state = LoadState(c, new[] { b, kept, ch });
        var y = new float[x.Count];
        var next = new float[state.Length];
        for (int bi = 0; bi < b; bi++)
        {
            // Row r of the window: a kept input for r < kept, else token r - kept of this step.
            float At(int r, int ci) => r < kept ? state[(bi * kept + r) * ch + ci] : x.Data[(bi * s + r - kept) * ch + ci];
            for (int t = 0; t < s; t++)
                for (int ci = 0; ci < ch; ci++)
                {
                    double acc = bias?.Data[ci] ?? 0;
                    for (int j = 0; j < width; j++) acc += (double)w.Data[ci * width + j] * At(t + j, ci);
                    y[(bi * s + t) * ch + ci] = (float)acc;
                }
            for (int r = 0; r < kept; r++)
                for (int ci = 0; ci < ch; ci++) next[(bi * kept + r) * ch + ci] = At(s + r, ci);
        }
        StoreState(c, new Tensor(new[] { b, kept, ch }, next));
        return OpKernels.One(new Tensor(x.Shape, y));
    }

    /// <summary>
    /// Per value head h (reading key head h / (v_heads / k_heads)) and token: q, k L2-normalized (eps 1e-6 under the root, as
    /// Qwen3-Next's kernel), q scaled by 1/sqrt(dk); g = -exp(a_log) softplus(a + dt_bias); S = exp(g) S;
    /// delta = beta (v - S^T k); S += k delta^T; o = S^T q. S is [dk, dv].
    /// </summary>
    private static IReadOnlyList<Tensor> GatedDelta(OpCall c)
    {
        var q = c.Input("q"); var k = c.Input("k"); var v = c.Input("v"); var a = c.Input("a"); var beta = c.Input("beta");
        var aLog = c.Input("a_log"); var dtBias = c.Input("dt_bias");
        int b = q.Dim(0), s = q.Dim(1), hk = q.Dim(2), dk = q.Dim(3), hv = v.Dim(2), dv = v.Dim(3);
        if (hk == 0 || hv % hk != 0) throw c.Error($"value heads {hv} are not a multiple of key heads {hk}");
        var state = LoadState(c, new[] { b, hv, dk, dv });
        var o = new float[v.Count];
        var st = new double[dk * dv];
        var qn = new double[dk]; var kn = new double[dk]; var delta = new double[dv];
        double scale = 1 / Math.Sqrt(dk);
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < hv; h++)
            {
                int baseState = (bi * hv + h) * dk * dv, kh = h / (hv / hk);
                for (int i = 0; i < st.Length; i++) st[i] = state[baseState + i];
                for (int t = 0; t < s; t++)
                {
                    L2Normalize(q.Data, ((bi * s + t) * hk + kh) * dk, dk, qn, scale);
                    L2Normalize(k.Data, ((bi * s + t) * hk + kh) * dk, dk, kn, 1);
                    int gate = (bi * s + t) * hv + h;
                    double decay = Math.Exp(-Math.Exp(aLog.Data[h]) * Activations.Softplus(a.Data[gate] + dtBias.Data[h]));
                    int vo = gate * dv;
                    for (int i = 0; i < st.Length; i++) st[i] *= decay;
                    for (int j = 0; j < dv; j++)
                    {
                        double mem = 0;
                        for (int i = 0; i < dk; i++) mem += st[i * dv + j] * kn[i];
                        delta[j] = (v.Data[vo + j] - mem) * beta.Data[gate];
                    }
                    for (int i = 0; i < dk; i++)
                        for (int j = 0; j < dv; j++) st[i * dv + j] += kn[i] * delta[j];
                    for (int j = 0; j < dv; j++)
                    {
                        double acc = 0;
                        for (int i = 0; i < dk; i++) acc += st[i * dv + j] * qn[i];
                        o[vo + j] = (float)acc;
                    }
                }
                for (int i = 0; i < st.Length; i++) state[baseState + i] = (float)st[i];
            }
        StoreState(c, new Tensor(new[] { b, hv, dk, dv }, state));
        return OpKernels.One(new Tensor(v.Shape, o));
    }

    /// <summary>
    /// Per head h (reading group h / (heads / groups)) and token: dt' = softplus(dt + dt_bias); h = exp(dt' A) h + dt' x B^T;
    /// y = h C + d x, with A = -exp(a_log) per head, or per (head, state dimension) when a_log is [heads, n]. h is [p, n].
    /// </summary>
    private static IReadOnlyList<Tensor> Ssd(OpCall c)
    {
        var x = c.Input("x"); var dt = c.Input("dt"); var bm = c.Input("b"); var cm = c.Input("c");
        var aLog = c.Input("a_log"); var dtBias = c.Input("dt_bias"); var d = c.Optional("d");
        int b = x.Dim(0), s = x.Dim(1), heads = x.Dim(2), p = x.Dim(3), groups = bm.Dim(2), n = bm.Dim(3);
        if (groups == 0 || heads % groups != 0) throw c.Error($"heads {heads} are not a multiple of groups {groups}");
        bool perState = aLog.Rank == 2;
        var state = LoadState(c, new[] { b, heads, p, n });
        var y = new float[x.Count];
        var decay = new double[n];
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < heads; h++)
            {
                int baseState = (bi * heads + h) * p * n, g = h / (heads / groups);
                for (int t = 0; t < s; t++)
                {
                    int row = (bi * s + t) * heads + h;
                    double step = Activations.Softplus(dt.Data[row] + dtBias.Data[h]);
                    for (int j = 0; j < n; j++) decay[j] = Math.Exp(-step * Math.Exp(aLog.Data[perState ? h * n + j : h]));
                    int bo = ((bi * s + t) * groups + g) * n;
                    for (int i = 0; i < p; i++)
                    {
                        double xi = x.Data[row * p + i], acc = (d?.Data[h] ?? 0) * xi;
                        for (int j = 0; j < n; j++)
                        {
                            int at = baseState + i * n + j;
                            double hij = decay[j] * state[at] + step * xi * bm.Data[bo + j];
                            state[at] = (float)hij;
                            acc += hij * cm.Data[bo + j];
                        }
                        y[row * p + i] = (float)acc;
                    }
                }
            }
        StoreState(c, new Tensor(new[] { b, heads, p, n }, state));
        return OpKernels.One(new Tensor(x.Shape, y));
    }

    /// <summary>Each of `groups` equal parts of the last axis: x / sqrt(mean(x^2) + eps), then times weight per channel.</summary>
    private static IReadOnlyList<Tensor> GroupRmsNorm(OpCall c)
    {
        var x = c.Input("x"); var w = c.Input("weight");
        int d = x.LastDim, groups = (int)c.Int("groups");
        if (w.Rank != 1 || w.Dim(0) != d) throw c.Error($"weight {w.ShapeText} must be [{d}]");
        if (groups < 1 || d % groups != 0) throw c.Error($"groups = {groups} must divide the last axis ({d})");
        int size = d / groups;
        double eps = c.Float("eps");
        var r = new float[x.Count];
        for (int row = 0; row < x.Rows; row++)
            for (int g = 0; g < groups; g++)
            {
                int o = row * d + g * size;
                double sumSq = 0;
                for (int i = 0; i < size; i++) sumSq += (double)x.Data[o + i] * x.Data[o + i];
                double inv = 1 / Math.Sqrt(sumSq / size + eps);
                for (int i = 0; i < size; i++) r[o + i] = (float)(x.Data[o + i] * inv * w.Data[g * size + i]);
            }
        return OpKernels.One(new Tensor(x.Shape, r));
    }

    private static void L2Normalize(float[] data, int offset, int length, double[] into, double scale)
    {
        double sumSq = 0;
        for (int i = 0; i < length; i++) sumSq += (double)data[offset + i] * data[offset + i];
        double inv = scale / Math.Sqrt(sumSq + 1e-6);
        for (int i = 0; i < length; i++) into[i] = data[offset + i] * inv;
    }

    /// <summary>A copy of the state this op holds for the current repeat iteration, zeros before the first step.</summary>
    private static float[] LoadState(OpCall c, int[] shape)
    {
        if (c.Step.StagedCache.ContainsKey((c.Op, c.Path))) throw c.Error("runs twice in one step for the same repeat iteration");
        var previous = c.Step.Cache.Find(c.Op, c.Path);
        if (previous is null) return new float[Tensor.ElementCount(shape)];
        if (!previous.Values.SameShape(shape))
            throw c.Error($"the state held is {previous.Values.ShapeText} but this step needs {Tensor.Format(shape)} (a different batch?)");
        return (float[])previous.Values.Data.Clone();
    }

    /// <summary>Stages the new state, rounded to the op's state type, for commit at the end of the step.</summary>
    private static void StoreState(OpCall c, Tensor state)
    {
        var stored = c.DType("state_dtype") is { } type ? FormatRounding.Round(state, type) : state;
        c.Step.StagedCache[(c.Op, c.Path)] = new CachedEntries(c.Op, c.Path, stored, Array.Empty<long>());
    }
}
