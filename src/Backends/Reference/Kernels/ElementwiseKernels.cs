using System;
using System.Collections.Generic;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Elementwise ops: broadcasting add/sub/mul, scale, the activations, softcap, the clamped
/// SwiGLU gate and casts. Each element is computed in double and stored as f32.</summary>
internal static class ElementwiseKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (NnOps.Add, c => Binary(c, (a, b) => a + b)),
        (NnOps.Sub, c => Binary(c, (a, b) => a - b)),
        (NnOps.Mul, c => Binary(c, (a, b) => a * b)),
        (NnOps.Scale, c => { var f = c.Float("factor"); return Unary(c, x => x * f); }),
        (NnOps.Silu, c => Unary(c, Activations.Silu)),
        (NnOps.Gelu, c => Unary(c, Activations.Gelu)),
        (NnOps.GeluTanh, c => Unary(c, Activations.GeluTanh)),
        (NnOps.Relu, c => Unary(c, Activations.Relu)),
        (NnOps.Sigmoid, c => Unary(c, Activations.Sigmoid)),
        (NnOps.Tanh, c => Unary(c, Math.Tanh)),
        (NnOps.Relu2, c => Unary(c, x => x > 0 ? x * x : 0)),
        (NnOps.Softcap, Softcap),
        (NnOps.SwigluClamped, SwigluClamped),
        (NnOps.Cast, Cast),
    };

    private static IReadOnlyList<Tensor> Binary(OpCall c, Func<double, double, double> f) =>
        OpKernels.One(Broadcasting.Apply(c.Input("a"), c.Input("b"), (a, b) => (float)f(a, b)));

    private static IReadOnlyList<Tensor> Unary(OpCall c, Func<double, double> f)
    {
        var x = c.Input("x");
        var r = new float[x.Count];
        for (int i = 0; i < r.Length; i++) r[i] = (float)f(x.Data[i]);
        return OpKernels.One(new Tensor(x.Shape, r));
    }

    private static IReadOnlyList<Tensor> Softcap(OpCall c)
    {
        var cap = c.Float("cap");
        if (!(cap > 0)) throw c.Error(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"cap must be positive, got {cap}"));
        return Unary(c, x => Activations.Softcap(x, cap));
    }

    private static IReadOnlyList<Tensor> SwigluClamped(OpCall c)
    {
        Tensor gate = c.Input("gate"), up = c.Input("up");
        if (!gate.SameShape(up.Shape)) throw c.Error($"gate {gate.ShapeText} and up {up.ShapeText} differ");
        double alpha = c.Float("alpha"), limit = c.Float("limit");
        var r = new float[gate.Count];
        for (int i = 0; i < r.Length; i++) r[i] = (float)Activations.SwigluClamped(gate.Data[i], up.Data[i], alpha, limit);
        return OpKernels.One(new Tensor(gate.Shape, r));
    }

    /// <summary>Values stay f32 but take the values the target type can hold.</summary>
    private static IReadOnlyList<Tensor> Cast(OpCall c)
    {
        var type = c.DType("dtype") ?? throw c.Error("has no dtype");
        return OpKernels.One(FormatRounding.Round(c.Input("x"), type));
    }
}
