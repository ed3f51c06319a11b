using System;
using GraphDsl.Ir.Types;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>
/// What storing f32 values in a narrower element type does to them, so casts (and caches with a
/// storage type) are observable: values are encoded with GraphDsl.Numerics and decoded back to f32.
/// Plain floats round to nearest even (FP8 saturating, as the quantizers do); block formats quantize
/// blocks along the last axis; int8/int4 quantize each row symmetrically (one group per row, or the
/// type's groups); i32/i64 truncate toward zero; bool is 1 for any nonzero value.
/// </summary>
public static class FormatRounding
{
    public static Tensor Round(Tensor x, DType type)
    {
        if (type == DType.F32) return x;
        int cols = x.LastDim, rows = x.Rows;
        var data = x.Data;
        float[] result;
        if (type == DType.F16) result = Map(data, v => Fp16.Decode(Fp16.Encode(v)));
        else if (type == DType.BF16) result = Map(data, v => Bf16.Decode(Bf16.Encode(v)));
        else if (type == DType.Fp8E4M3) result = Map(data, v => Fp8E4M3.Decode(Fp8E4M3.Encode(v)));
        else if (type == DType.Fp8E5M2) result = Map(data, v => Fp8E5M2.Decode(Fp8E5M2.Encode(v)));
        else if (type == DType.MxFp4) result = MxBlock.Dequantize(MxBlock.Quantize(data, rows, cols, MxElementType.Fp4E2M1));
        else if (type == DType.MxFp8) result = MxBlock.Dequantize(MxBlock.Quantize(data, rows, cols, MxElementType.Fp8E4M3));
        else if (type == DType.NvFp4) result = NvFp4.Dequantize(NvFp4.Quantize(data, rows, cols));
        else if (type.Kind == ElementKind.Int && (type.Bits == 4 || type.Bits == 8) && type != DType.I32 && type != DType.I64)
            result = IntQuant.Dequantize(IntQuant.Quantize(data, rows, cols, type.Bits, type.BlockSize > 0 ? type.BlockSize : Math.Max(cols, 1)));
        else if (type == DType.I32 || type == DType.I64) result = Map(data, Truncate);
        else if (type == DType.Bool) result = Map(data, v => v != 0 ? 1f : 0f);
        else throw new ArgumentException($"no rounding rule for element type {type}");
        return new Tensor(x.Shape, result);
    }

    private static float Truncate(float v)
    {
        if (float.IsNaN(v) || float.IsInfinity(v)) throw new ArgumentException($"cannot convert {v} to an integer");
        return (float)Math.Truncate(v);
    }

    private static float[] Map(float[] data, Func<float, float> f)
    {
        var r = new float[data.Length];
        for (int i = 0; i < data.Length; i++) r[i] = f(data[i]);
        return r;
    }
}
