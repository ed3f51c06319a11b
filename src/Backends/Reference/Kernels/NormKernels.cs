using System;
using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Normalizations over the last axis: RMSNorm, LayerNorm and softmax (statistics in double).</summary>
internal static class NormKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (NnOps.RmsNorm, RmsNorm),
        (NnOps.LayerNorm, LayerNorm),
        (NnOps.Softmax, c => OpKernels.One(Softmax(c.Input("x")))),
    };

    /// <summary>x / sqrt(mean(x^2) + eps) * weight.</summary>
    private static IReadOnlyList<Tensor> RmsNorm(OpCall c)
    {
        var x = c.Input("x");
        var w = c.Input("weight");
        int d = x.LastDim;
        if (w.Rank != 1 || w.Dim(0) != d) throw c.Error($"weight {w.ShapeText} must be [{d}]");
        double eps = c.Float("eps");
        var r = new float[x.Count];
        for (int row = 0; row < x.Rows; row++)
        {
            int o = row * d;
            double sumSq = 0;
            for (int i = 0; i < d; i++) sumSq += (double)x.Data[o + i] * x.Data[o + i];
            double inv = 1 / Math.Sqrt(sumSq / d + eps);
            for (int i = 0; i < d; i++) r[o + i] = (float)(x.Data[o + i] * inv * w.Data[i]);
        }
        return OpKernels.One(new Tensor(x.Shape, r));
    }

    /// <summary>(x - mean) / sqrt(var + eps) * weight + bias, with the population variance.</summary>
    private static IReadOnlyList<Tensor> LayerNorm(OpCall c)
    {
        var x = c.Input("x");
        var w = c.Input("weight");
        var b = c.Optional("bias");
        int d = x.LastDim;
        if (w.Rank != 1 || w.Dim(0) != d) throw c.Error($"weight {w.ShapeText} must be [{d}]");
        if (b is not null && (b.Rank != 1 || b.Dim(0) != d)) throw c.Error($"bias {b.ShapeText} must be [{d}]");
        double eps = c.Float("eps");
        var r = new float[x.Count];
        for (int row = 0; row < x.Rows; row++)
        {
            int o = row * d;
            double mean = 0;
            for (int i = 0; i < d; i++) mean += x.Data[o + i];
            mean /= d;
            double variance = 0;
            for (int i = 0; i < d; i++) variance += (x.Data[o + i] - mean) * (x.Data[o + i] - mean);
            variance /= d;
            double inv = 1 / Math.Sqrt(variance + eps);
            for (int i = 0; i < d; i++)
                r[o + i] = (float)((x.Data[o + i] - mean) * inv * w.Data[i] + (b is null ? 0 : b.Data[i]));
        }
        return OpKernels.One(new Tensor(x.Shape, r));
    }

    /// <summary>Softmax over the last axis, max-subtracted so large logits do not overflow.</summary>
    internal static Tensor Softmax(Tensor x)
    {
        int d = x.LastDim;
        var r = new float[x.Count];
        for (int row = 0; row < x.Rows; row++)
        {
            int o = row * d;
            double max = double.NegativeInfinity;
            for (int i = 0; i < d; i++) max = Math.Max(max, x.Data[o + i]);
            double sum = 0;
            var e = new double[d];
            for (int i = 0; i < d; i++) { e[i] = Math.Exp(x.Data[o + i] - max); sum += e[i]; }
            for (int i = 0; i < d; i++) r[o + i] = (float)(e[i] / sum);
        }
        return new Tensor(x.Shape, r);
    }
}
