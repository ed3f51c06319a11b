using System;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>
/// What a weight declared in a narrower type holds: the f32 master values stored in that format and read
/// back (dequantize, then compute). Plain formats (bf16, f16, FP8) round each value. Block and group
/// formats (MXFP4/MXFP8, NVFP4, int8/int4 with group scales) group along the reduction axis, which is
/// the second-to-last axis of a GEMM weight [..., K, N] (blocks of K for each output column, as GEMM
/// kernels read them) and the last axis of a vector (norm scales, biases). Every backend packs weights
/// with this convention.
/// </summary>
public static class WeightStorage
{
    public static bool Rounds(DType t) => t != DType.F32 && t.Kind != ElementKind.Int || t.Kind == ElementKind.Int && t.Bits is 4 or 8;

    public static Tensor Round(Tensor w, DType type)
    {
        if (!Rounds(type)) return w;
        bool blocked = type.BlockSize > 0 || type.Kind == ElementKind.Int;
        if (!blocked || w.Shape.Length < 2) return FormatRounding.Round(w, type);
        // Blocks run along K: transpose the last two axes, round rows of K, transpose back.
        return SwapLastTwo(FormatRounding.Round(SwapLastTwo(w), type));
    }

    private static Tensor SwapLastTwo(Tensor t)
    {
        int n = t.Shape.Length, rows = t.Shape[n - 2], cols = t.Shape[n - 1];
        int batches = t.Data.Length / Math.Max(1, rows * cols);
        var shape = (int[])t.Shape.Clone();
        shape[n - 2] = cols; shape[n - 1] = rows;
        var r = new float[t.Data.Length];
        for (int b = 0; b < batches; b++)
        {
            int o = b * rows * cols;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    r[o + j * rows + i] = t.Data[o + i * cols + j];
        }
        return new Tensor(shape, r);
    }
}
