using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Embedding lookup and matrix multiplication.</summary>
internal static class LinearKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (NnOps.Embedding, Embedding),
        (NnOps.MatMul, MatMul),
    };

    /// <summary>One row of table [vocab, dim] per id; ids out of range are an error.</summary>
    private static IReadOnlyList<Tensor> Embedding(OpCall c)
    {
        var ids = c.Input("ids").ToInts();
        var table = c.Input("table");
        c.RequireRank("table", table, 2);
        int vocab = table.Dim(0), dim = table.Dim(1);
        var result = new float[ids.Length * dim];
        for (int t = 0; t < ids.Length; t++)
        {
            if ((uint)ids[t] >= (uint)vocab) throw c.Error($"token id {ids[t]} is outside the vocabulary of {vocab}");
            System.Array.Copy(table.Data, (long)ids[t] * dim, result, (long)t * dim, dim);
        }
        var shape = c.Input("ids").Shape;
        var outShape = new int[shape.Length + 1];
        shape.CopyTo(outShape, 0);
        outShape[shape.Length] = dim;
        return OpKernels.One(new Tensor(outShape, result));
    }

    /// <summary>x[..., K] @ w[K, N] (w[N, K] with transpose_w), accumulated in double; with act_dtype, x is
    /// first read in that type (<see cref="Functions.ActivationRounding"/>).</summary>
    private static IReadOnlyList<Tensor> MatMul(OpCall c)
    {
        var x = GemmInput(c, c.Input("x"));
        var w = c.Input("w");
        c.RequireRank("w", w, 2);
        bool transpose = c.Bool("transpose_w");
        int k = transpose ? w.Dim(1) : w.Dim(0);
        int n = transpose ? w.Dim(0) : w.Dim(1);
        if (x.LastDim != k) throw c.Error($"x {x.ShapeText} does not match w {w.ShapeText}{(transpose ? " (transposed)" : "")}");
        var shape = x.Shape;
        shape[shape.Length - 1] = n;
        return OpKernels.One(new Tensor(shape, Multiply(x.Data, x.Rows, k, w.Data, n, transpose)));
    }

    /// <summary>x as a GEMM with an act_dtype attribute reads it.</summary>
    internal static Tensor GemmInput(OpCall c, Tensor x)
    {
        if (c.Op.Attributes.Get("act_dtype") is not GraphDsl.Ir.Graph.DTypeAttr { Value: var type }) return x;
        if (!Functions.ActivationRounding.IsSupported(type)) throw c.Error($"act_dtype {type} is not an activation format (bf16, fp8_e4m3, fp8_e5m2, f32)");
        return Functions.ActivationRounding.Apply(x, type);
    }

    /// <summary>[rows, k] @ [k, n] (or [n, k] transposed) in double accumulators.</summary>
    internal static float[] Multiply(float[] x, int rows, int k, float[] w, int n, bool transposeW = false, int xOffset = 0, int wOffset = 0)
    {
        var result = new float[rows * n];
        var acc = new double[n];
        for (int r = 0; r < rows; r++)
        {
            System.Array.Clear(acc, 0, n);
            int xr = xOffset + r * k;
            for (int i = 0; i < k; i++)
            {
                double xv = x[xr + i];
                if (transposeW)
                    for (int j = 0; j < n; j++) acc[j] += xv * w[wOffset + j * k + i];
                else
                {
                    int wr = wOffset + i * n;
                    for (int j = 0; j < n; j++) acc[j] += xv * w[wr + j];
                }
            }
            for (int j = 0; j < n; j++) result[r * n + j] = (float)acc[j];
        }
        return result;
    }
}
