using System;

namespace GraphDsl.Numerics;

/// <summary>
/// NVIDIA NVFP4: FP4 E2M1 elements in 16-element blocks, each block scaled by an FP8 E4M3 code, and the whole
/// tensor by one FP32 scale T. Decoded value = e2m1 * (e4m3 * T), both products in binary32 in that order.
/// Quantization: T = amax(tensor) / (6 * 448) so block scales use the E4M3 range; block scale
/// s = E4M3_RNE_sat(amax(block) / (6 * T)); elements q = E2M1_RNE_sat(x / (s * T)).
/// Because s is rounded to nearest, x / (s * T) can reach 6.4 and saturates at 6 (still within the bound).
/// Policies: a block with NaN or ±Inf gets the E4M3 NaN scale and zero elements (decodes as NaN);
/// a block whose scale rounds to 0 decodes as zeros.
/// </summary>
public static class NvFp4
{
    /// <summary>Elements per block.</summary>
    public const int BlockSize = 16;

    /// <summary>
    /// Per-tensor scale: finite amax / (6 * 448), or 1 when that is not a positive normal binary32
    /// (all-zero or all-non-finite tensors, or amax below 2688 * 2^-126).
    /// </summary>
    public static float ComputeTensorScale(float[] data)
    {
        if (data == null) throw new ArgumentNullException(nameof(data));
        float scale = BlockStats.Of(data, 0, data.Length).AbsMax / (Fp4E2M1.MaxFinite * Fp8E4M3.MaxFinite);
        return scale >= 1.17549435e-38f ? scale : 1f;
    }

    /// <summary>E4M3 block scale code for a block of finite absolute maximum <paramref name="absMax"/>.</summary>
    public static byte ScaleForAbsMax(float absMax, float tensorScale) =>
        Fp8E4M3.Encode(absMax / (Fp4E2M1.MaxFinite * tensorScale));

    /// <summary>E4M3 block scale code for values[offset .. offset + count) (NaN code if any is NaN or ±Inf).</summary>
    public static byte ComputeBlockScale(float[] values, int offset, int count, float tensorScale)
    {
        var stats = BlockStats.Of(values, offset, count);
        return stats.HasNonFinite ? Fp8E4M3.NaN : ScaleForAbsMax(stats.AbsMax, tensorScale);
    }

    /// <summary>The effective binary32 block scale s * T that elements are divided by and multiplied with.</summary>
    public static float EffectiveScale(byte blockScaleCode, float tensorScale) => Fp8E4M3.Decode(blockScaleCode) * tensorScale;

    /// <summary>e2m1 * (e4m3 * T) in binary32.</summary>
    public static float DequantizeElement(byte elementCode, byte blockScaleCode, float tensorScale) =>
        Fp4E2M1.Decode(elementCode) * EffectiveScale(blockScaleCode, tensorScale);

    /// <summary>
    /// Quantizes a row-major [rows, cols] matrix with 16-element blocks along the columns. When
    /// <paramref name="tensorScale"/> is null it is computed with <see cref="ComputeTensorScale"/>.
    /// </summary>
    public static NvFp4Tensor Quantize(float[] data, int rows, int cols, float? tensorScale = null)
    {
        var layout = new BlockLayout(data, rows, cols, BlockSize);
        float t = tensorScale ?? ComputeTensorScale(data);
        if (!(t > 0f) || !Bits.IsFinite(t)) throw new ArgumentOutOfRangeException(nameof(tensorScale), "The tensor scale must be positive and finite.");
        int rowBytes = Packing.PackedLength(cols);
        var codes = new byte[rows * rowBytes];
        var scales = new byte[layout.ScaleCount];
        for (int r = 0; r < rows; r++)
        {
            for (int b = 0; b < layout.BlocksPerRow; b++)
            {
                int start = r * cols + layout.BlockStart(b);
                int length = layout.BlockLength(b);
                byte scale = ComputeBlockScale(data, start, length, t);
                scales[r * layout.BlocksPerRow + b] = scale;
                float effective = EffectiveScale(scale, t);
                // NaN scale marks the block; a zero scale means every element rounds to zero.
                if (Fp8E4M3.IsNaN(scale) || effective == 0f) continue;
                for (int i = 0; i < length; i++)
                    Packing.SetNibble(codes, r * rowBytes, layout.BlockStart(b) + i, Fp4E2M1.Encode(data[start + i] / effective));
            }
        }
        return new NvFp4Tensor(rows, cols, codes, scales, t);
    }

    /// <summary>Decodes every element back to binary32, row-major [Rows, Cols].</summary>
    public static float[] Dequantize(NvFp4Tensor tensor)
    {
        if (tensor == null) throw new ArgumentNullException(nameof(tensor));
        var result = new float[tensor.Rows * tensor.Cols];
        for (int r = 0; r < tensor.Rows; r++)
            for (int c = 0; c < tensor.Cols; c++)
                result[r * tensor.Cols + c] = DequantizeElement(tensor.ElementCode(r, c), tensor.ScaleCode(r, c), tensor.TensorScale);
        return result;
    }
}
