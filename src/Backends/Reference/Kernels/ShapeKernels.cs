using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Ops that move elements without arithmetic: reshape, split and concat on the last axis,
/// the last position of each sequence, and nano-batch slicing and joining on the first axis.</summary>
internal static class ShapeKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (NnOps.Reshape, Reshape),
        (NnOps.Split, Split),
        (NnOps.Concat, Concat),
        (NnOps.LastToken, LastToken),
        (NnOps.BatchSlice, BatchSlice),
        (NnOps.BatchConcat, BatchConcat),
    };

    private static IReadOnlyList<Tensor> Reshape(OpCall c)
    {
        var x = c.Input("x");
        var shape = c.Dims(c.Op.Attributes.GetShape("shape") ?? throw c.Error("has no shape"));
        if (Tensor.ElementCount(shape) != x.Count) throw c.Error($"cannot reshape {x.ShapeText} to {Tensor.Format(shape)}");
        return OpKernels.One(x.Reshape(shape));
    }

    private static IReadOnlyList<Tensor> Split(OpCall c)
    {
        var x = c.Input("x");
        var sizes = c.IntList("sizes").Select(s => checked((int)s)).ToArray();
        if (sizes.Sum() != x.LastDim) throw c.Error($"sizes [{string.Join(", ", sizes)}] do not add up to the last axis of {x.ShapeText}");
        var pieces = new Tensor[sizes.Length];
        int start = 0;
        for (int p = 0; p < sizes.Length; p++)
        {
            var data = new float[x.Rows * sizes[p]];
            for (int row = 0; row < x.Rows; row++)
                Array.Copy(x.Data, row * x.LastDim + start, data, row * sizes[p], sizes[p]);
            var shape = x.Shape;
            shape[shape.Length - 1] = sizes[p];
            pieces[p] = new Tensor(shape, data);
            start += sizes[p];
        }
        return pieces;
    }

    private static IReadOnlyList<Tensor> Concat(OpCall c)
    {
        var xs = c.Variadic;
        int rows = xs[0].Rows;
        foreach (var x in xs)
            if (x.Rank != xs[0].Rank || x.Rows != rows || !x.Shape.Take(x.Rank - 1).SequenceEqual(xs[0].Shape.Take(x.Rank - 1)))
                throw c.Error($"operands {string.Join(", ", xs.Select(t => t.ShapeText))} differ before the last axis");
        int width = xs.Sum(x => x.LastDim);
        var data = new float[rows * width];
        for (int row = 0; row < rows; row++)
        {
            int o = row * width;
            foreach (var x in xs)
            {
                Array.Copy(x.Data, row * x.LastDim, data, o, x.LastDim);
                o += x.LastDim;
            }
        }
        var shape = xs[0].Shape;
        shape[shape.Length - 1] = width;
        return OpKernels.One(new Tensor(shape, data));
    }

    /// <summary>[batch, seq, ...] to [batch, 1, ...]: the last position of each sequence.</summary>
    private static IReadOnlyList<Tensor> LastToken(OpCall c)
    {
        var x = c.Input("x");
        if (x.Rank < 2) throw c.Error($"x {x.ShapeText} needs a sequence axis");
        int b = x.Dim(0), s = x.Dim(1), inner = s == 0 ? 0 : x.Count / (b * s);
        if (s == 0) throw c.Error("the sequence is empty");
        var data = new float[b * inner];
        for (int i = 0; i < b; i++) Array.Copy(x.Data, (i * s + s - 1) * inner, data, i * inner, inner);
        var shape = x.Shape;
        shape[1] = 1;
        return OpKernels.One(new Tensor(shape, data));
    }

    /// <summary>Sequences [index * batch/count, (index + 1) * batch/count) of the first axis.</summary>
    private static IReadOnlyList<Tensor> BatchSlice(OpCall c)
    {
        var x = c.Input("x");
        long index = c.Int("index"), count = c.Int("count");
        int batch = x.Dim(0);
        if (count < 1 || index < 0 || index >= count || batch % count != 0)
            throw c.Error($"slice {index} of {count} does not divide the batch of {batch}");
        int size = (int)(batch / count), inner = batch == 0 ? 0 : x.Count / batch;
        var data = new float[size * inner];
        Array.Copy(x.Data, index * size * inner, data, 0, data.Length);
        var shape = x.Shape;
        shape[0] = size;
        return OpKernels.One(new Tensor(shape, data));
    }

    private static IReadOnlyList<Tensor> BatchConcat(OpCall c)
    {
        var xs = c.Variadic;
        foreach (var x in xs)
            if (!x.SameShape(xs[0].Shape)) throw c.Error($"nano-batches {string.Join(", ", xs.Select(t => t.ShapeText))} differ");
        var data = new float[xs.Sum(x => x.Count)];
        int o = 0;
        foreach (var x in xs) { Array.Copy(x.Data, 0, data, o, x.Count); o += x.Count; }
        var shape = xs[0].Shape;
        shape[0] = xs.Sum(x => x.Dim(0));
        if (shape[0] != c.Int("size"))
            throw c.Error($"joined batch {shape[0]} differs from size = {c.Int("size")}");
        return OpKernels.One(new Tensor(shape, data));
    }
}
