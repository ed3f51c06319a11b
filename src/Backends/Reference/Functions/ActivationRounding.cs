using System;
using GraphDsl.Ir.Types;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>
/// What a GEMM with <c>act_dtype</c> reads instead of x: bf16 rounds each element (to nearest even);
/// FP8 quantizes each row with a dynamic per-token scale, s = amax(row) / max finite (448 for E4M3,
/// 57344 for E5M2), x' = Q(x / s) * s in f32 arithmetic (all-zero rows stay zero; a row with NaN or ±Inf
/// becomes NaN), as per-token dynamic FP8 serving does; f32 is the identity. Every backend applies
/// exactly these f32 operations, so they agree bit for bit.
/// </summary>
public static class ActivationRounding
{
    public static bool IsSupported(DType t) => t == DType.F32 || t == DType.BF16 || t == DType.Fp8E4M3 || t == DType.Fp8E5M2;

    public static float MaxFinite(DType t) => t == DType.Fp8E5M2 ? 57344f : 448f;

    public static Tensor Apply(Tensor x, DType type)
    {
        if (!IsSupported(type)) throw new ArgumentException($"activations cannot be read as {type} (bf16, fp8_e4m3, fp8_e5m2 or f32)");
        if (type == DType.F32) return x;
        var data = x.Data;
        var y = new float[data.Length];
        if (type == DType.BF16)
        {
            for (int i = 0; i < data.Length; i++) y[i] = Bf16.Decode(Bf16.Encode(data[i]));
            return new Tensor(x.Shape, y);
        }
        int cols = x.LastDim, rows = x.Rows;
        float max = MaxFinite(type);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            float amax = 0f;
            bool finite = true;
            for (int i = 0; i < cols; i++)
            {
                float v = data[o + i];
                if (!float.IsFinite(v)) finite = false;
                amax = Math.Max(amax, Math.Abs(v));
            }
            float s = amax / max;
            for (int i = 0; i < cols; i++)
            {
                if (!finite) y[o + i] = float.NaN;
                else if (s == 0f) y[o + i] = 0f;
                else y[o + i] = Round(data[o + i] / s, type) * s;
            }
        }
        return new Tensor(x.Shape, y);
    }

    private static float Round(float v, DType type) =>
        type == DType.Fp8E4M3 ? Fp8E4M3.Decode(Fp8E4M3.Encode(v)) : Fp8E5M2.Decode(Fp8E5M2.Encode(v));
}
