using System;

namespace GraphDsl.Numerics;

/// <summary>
/// OCP Microscaling (MX v1.0) block quantization: 32 consecutive elements share one E8M0 scale
/// X = 2^(floor(log2(amax)) - emax_elem), clamped to [2^-127, 2^127], where emax_elem is the exponent of the
/// element format's largest normal (2 for E2M1, 8 for E4M3, 15 for E5M2). Each element is V / X converted with
/// round-to-nearest-even and saturation to the element's max finite value; the decoded value is X * P.
/// Policies beyond the spec: a block with any NaN or ±Inf gets the NaN scale (0xFF) and zero elements, so
/// the whole block decodes as NaN; an all-zero block gets scale code 0 (2^-127, the clamp of log2 0 = -inf).
/// </summary>
public static class MxBlock
{
    /// <summary>Elements per block in MX v1.0.</summary>
    public const int BlockSize = 32;

    /// <summary>Exponent of the largest normal element value (emax_elem in the spec).</summary>
    public static int ElementMaxExponent(MxElementType type)
    {
        switch (type)
        {
            case MxElementType.Fp4E2M1: return 2;
            case MxElementType.Fp8E4M3: return 8;
            case MxElementType.Fp8E5M2: return 15;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>E8M0 scale code for a block with finite absolute maximum <paramref name="absMax"/>.</summary>
    public static byte ScaleForAbsMax(float absMax, MxElementType type)
    {
        if (!Bits.IsFinite(absMax)) return E8M0.NaN;
        if (absMax == 0f) return E8M0.FromExponent(E8M0.MinExponent);
        return E8M0.FromExponent(Bits.FloorLog2(absMax) - ElementMaxExponent(type));
    }

    /// <summary>E8M0 scale code for values[offset .. offset + count) (NaN code if any is NaN or ±Inf).</summary>
    public static byte ComputeScale(float[] values, int offset, int count, MxElementType type)
    {
        var stats = BlockStats.Of(values, offset, count);
        return stats.HasNonFinite ? E8M0.NaN : ScaleForAbsMax(stats.AbsMax, type);
    }

    /// <summary>Saturating round-to-nearest-even element encode of an already scaled value.</summary>
    public static byte EncodeElement(float scaledValue, MxElementType type)
    {
        switch (type)
        {
            case MxElementType.Fp4E2M1: return Fp4E2M1.Encode(scaledValue);
            case MxElementType.Fp8E4M3: return Fp8E4M3.Encode(scaledValue);
            case MxElementType.Fp8E5M2: return Fp8E5M2.Encode(scaledValue);
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Exact value of an element code.</summary>
    public static float DecodeElement(byte code, MxElementType type)
    {
        switch (type)
        {
            case MxElementType.Fp4E2M1: return Fp4E2M1.Decode(code);
            case MxElementType.Fp8E4M3: return Fp8E4M3.Decode(code);
            case MxElementType.Fp8E5M2: return Fp8E5M2.Decode(code);
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>
    /// X * P in binary32. Exact: P has at most 4 significant bits and X is a power of two, and the
    /// scale rule keeps the product inside the binary32 range (a NaN scale gives NaN).
    /// </summary>
    public static float DequantizeElement(byte elementCode, byte scaleCode, MxElementType type) =>
        DecodeElement(elementCode, type) * E8M0.Decode(scaleCode);

    /// <summary>Quantizes a row-major [rows, cols] matrix with 32-element blocks along the columns.</summary>
    public static MxTensor Quantize(float[] data, int rows, int cols, MxElementType type)
    {
        var layout = new BlockLayout(data, rows, cols, BlockSize);
        bool packed = type == MxElementType.Fp4E2M1;
        int rowBytes = packed ? Packing.PackedLength(cols) : cols;
        var codes = new byte[rows * rowBytes];
        var scales = new byte[layout.ScaleCount];
        for (int r = 0; r < rows; r++)
        {
            for (int b = 0; b < layout.BlocksPerRow; b++)
            {
                int start = r * cols + layout.BlockStart(b);
                int length = layout.BlockLength(b);
                byte scale = ComputeScale(data, start, length, type);
                scales[r * layout.BlocksPerRow + b] = scale;
                if (scale == E8M0.NaN) continue; // elements stay 0; the NaN scale marks the block
                // 1/X is a power of two in [2^-127, 2^127]: multiplying by it is exact down to values that
                // encode to zero anyway.
                float inverseScale = Bits.Pow2(-E8M0.ToExponent(scale));
                for (int i = 0; i < length; i++)
                {
                    byte code = EncodeElement(data[start + i] * inverseScale, type);
                    int col = layout.BlockStart(b) + i;
                    if (packed) Packing.SetNibble(codes, r * rowBytes, col, code);
                    else codes[r * rowBytes + col] = code;
                }
            }
        }
        return new MxTensor(type, rows, cols, codes, scales);
    }

    /// <summary>Decodes every element back to binary32, row-major [Rows, Cols].</summary>
    public static float[] Dequantize(MxTensor tensor)
    {
        if (tensor == null) throw new ArgumentNullException(nameof(tensor));
        var result = new float[tensor.Rows * tensor.Cols];
        for (int r = 0; r < tensor.Rows; r++)
            for (int c = 0; c < tensor.Cols; c++)
                result[r * tensor.Cols + c] = DequantizeElement(tensor.ElementCode(r, c), tensor.ScaleCode(r, c), tensor.ElementType);
        return result;
    }
}
