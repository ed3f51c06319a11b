using System;
using System.Collections.Generic;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Rotary position embedding in the rotate-half convention (GPT-NeoX, HF Llama).</summary>
internal static class RopeKernels
{
    public static readonly (OpDef, OpKernel)[] All = { (NnOps.Rope, Rope) };

    /// <summary>
    /// On x [b, s, h, d], the first <c>dims</c> dims (0: all) rotate in pairs (i, i + dims/2) by the angle
    /// pos * freq_i with freq_i = theta^(-2i/dims); the rest pass through. pos is the token's absolute
    /// position: tokens already cached before this step plus its index in the step.
    /// </summary>
    private static IReadOnlyList<Tensor> Rope(OpCall c)
    {
        var x = c.Input("x");
        c.RequireRank("x", x, 4);
        int b = x.Dim(0), s = x.Dim(1), h = x.Dim(2), d = x.Dim(3);
        int dims = (int)c.Int("dims");
        if (dims == 0) dims = d;
        if (dims < 0 || dims % 2 != 0 || dims > d) throw c.Error($"dims = {dims} must be even and at most the head size {d}");
        int half = dims / 2;
        double[] freq;
        try { freq = RopeFrequencies.Compute(dims, c.Float("theta"), c.Str("scaling"), c.Float("factor")); }
        catch (ArgumentException e) { throw c.Error(e.Message); }
        var positions = c.QueryPositions(s);
        var r = (float[])x.Data.Clone();
        for (int bi = 0; bi < b; bi++)
            for (int si = 0; si < s; si++)
                for (int hi = 0; hi < h; hi++)
                {
                    int o = ((bi * s + si) * h + hi) * d;
                    for (int i = 0; i < half; i++)
                    {
                        double angle = positions[si] * freq[i];
                        double cos = Math.Cos(angle), sin = Math.Sin(angle);
                        double first = x.Data[o + i], second = x.Data[o + i + half];
                        r[o + i] = (float)(first * cos - second * sin);
                        r[o + i + half] = (float)(second * cos + first * sin);
                    }
                }
        return OpKernels.One(new Tensor(x.Shape, r));
    }
}
