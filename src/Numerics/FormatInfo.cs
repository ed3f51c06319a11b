using System;
using System.Collections.Generic;

namespace GraphDsl.Numerics;

/// <summary>
/// Size and accuracy facts of one number format. Error bounds are worst cases for the library's own
/// round-to-nearest-even quantizers, for finite inputs inside the format's range:
/// |dequant(quant(x)) - x| &lt;= max(RelativeErrorBound * |x|, AbsoluteErrorBound * s, TensorErrorBound * T)
/// where s is the decoded block/group scale (1 for scalar formats) and T the per-tensor scale (NVFP4 only).
/// The relative term covers the element's normal range (and, for MX, the saturated top of the block);
/// the absolute term covers the subnormal range near zero (for int formats, every element).
/// </summary>
public sealed class FormatInfo
{
    public FormatInfo(string name, int elementBits, int blockSize, int scaleBits, int zeroPointBits,
        double maxFinite, double relativeErrorBound, double absoluteErrorBound, double tensorErrorBound = 0)
    {
        Name = name;
        ElementBits = elementBits;
        BlockSize = blockSize;
        ScaleBits = scaleBits;
        ZeroPointBits = zeroPointBits;
        MaxFinite = maxFinite;
        RelativeErrorBound = relativeErrorBound;
        AbsoluteErrorBound = absoluteErrorBound;
        TensorErrorBound = tensorErrorBound;
    }

    /// <summary>Short name, e.g. "MXFP4".</summary>
    public string Name { get; }

    /// <summary>Bits per stored element code.</summary>
    public int ElementBits { get; }

    /// <summary>Elements sharing one scale (1 for scalar formats).</summary>
    public int BlockSize { get; }

    /// <summary>Bits of the per-block scale (0 for scalar formats).</summary>
    public int ScaleBits { get; }

    /// <summary>Bits of the per-block zero point as stored here (0 unless asymmetric).</summary>
    public int ZeroPointBits { get; }

    /// <summary>
    /// Storage bits per element including per-block scales and zero points; per-tensor scalars (NVFP4's FP32)
    /// are left out as they vanish for real tensors.
    /// </summary>
    public double EffectiveBitsPerElement => ElementBits + (ScaleBits + ZeroPointBits) / (double)BlockSize;

    /// <summary>Largest finite element magnitude, in units of the block scale for block formats.</summary>
    public double MaxFinite { get; }

    /// <summary>Worst-case relative error in the normal range.</summary>
    public double RelativeErrorBound { get; }

    /// <summary>Worst-case absolute error near zero, in units of the block scale (1 for scalar formats).</summary>
    public double AbsoluteErrorBound { get; }

    /// <summary>NVFP4 only: absolute error floor in units of the tensor scale, from tiny block scales rounding in E4M3.</summary>
    public double TensorErrorBound { get; }

    /// <summary>The bound on |dequant(quant(x)) - x| for an element x with block scale s and tensor scale t.</summary>
    public double ErrorBound(double x, double blockScale = 1, double tensorScale = 0) =>
        Math.Max(Math.Max(RelativeErrorBound * Math.Abs(x), AbsoluteErrorBound * blockScale), TensorErrorBound * tensorScale);

    public override string ToString() => Name;

    private static double Pow2(int e) => Math.Pow(2, e);

    /// <summary>bfloat16: relative 2^-8, absolute half of the smallest subnormal 2^-133.</summary>
    public static readonly FormatInfo Bf16 = new FormatInfo("BF16", 16, 1, 0, 0, Numerics.Bf16.MaxFinite, Pow2(-8), Pow2(-134));

    /// <summary>IEEE binary16: relative 2^-11, absolute 2^-25.</summary>
    public static readonly FormatInfo Fp16 = new FormatInfo("FP16", 16, 1, 0, 0, 65504, Pow2(-11), Pow2(-25));

    /// <summary>FP8 E4M3: relative 2^-4, absolute 2^-10.</summary>
    public static readonly FormatInfo Fp8E4M3 = new FormatInfo("FP8-E4M3", 8, 1, 0, 0, 448, Pow2(-4), Pow2(-10));

    /// <summary>FP8 E5M2: relative 2^-3, absolute 2^-17.</summary>
    public static readonly FormatInfo Fp8E5M2 = new FormatInfo("FP8-E5M2", 8, 1, 0, 0, 57344, Pow2(-3), Pow2(-17));

    /// <summary>FP4 E2M1: relative 2^-2, absolute 2^-2.</summary>
    public static readonly FormatInfo Fp4E2M1 = new FormatInfo("FP4-E2M1", 4, 1, 0, 0, 6, Pow2(-2), Pow2(-2));

    /// <summary>MXFP4: 4 + 8/32 = 4.25 bits; relative 2^-2 (also covers saturation of (6, 8) to 6), absolute X/4.</summary>
    public static readonly FormatInfo MxFp4 = new FormatInfo("MXFP4", 4, MxBlock.BlockSize, 8, 0, 6, Pow2(-2), Pow2(-2));

    /// <summary>
    /// MXFP8 (E4M3): 8.25 bits; relative 2^-3, not the element's 2^-4, because the spec's scale rule lets the
    /// block maximum reach up to 512 X and values in (464, 512) X saturate to 448 X. Absolute 2^-10 X.
    /// </summary>
    public static readonly FormatInfo MxFp8E4M3 = new FormatInfo("MXFP8-E4M3", 8, MxBlock.BlockSize, 8, 0, 448, Pow2(-3), Pow2(-10));

    /// <summary>MXFP8 with E5M2 elements: 8.25 bits; relative 2^-3, absolute 2^-17 X.</summary>
    public static readonly FormatInfo MxFp8E5M2 = new FormatInfo("MXFP8-E5M2", 8, MxBlock.BlockSize, 8, 0, 57344, Pow2(-3), Pow2(-17));

    /// <summary>
    /// NVFP4: 4 + 8/16 = 4.5 bits (plus one FP32 per tensor); relative 2^-2, absolute S/4 with S = s * T, and a
    /// floor of 6 * 2^-10 * T for blocks whose E4M3 scale is subnormal or zero.
    /// </summary>
    public static readonly FormatInfo NvFp4 = new FormatInfo("NVFP4", 4, Numerics.NvFp4.BlockSize, 8, 0, 6, Pow2(-2), Pow2(-2), 6 * Pow2(-10));

    /// <summary>Integer group format with FP16 scales: error at most half a step (0.5 * scale) for every element.</summary>
    public static FormatInfo Int(int bits, int groupSize, bool symmetric = true)
    {
        if (bits != 4 && bits != 8) throw new ArgumentOutOfRangeException(nameof(bits));
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize));
        string name = (symmetric ? "INT" : "UINT") + bits.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "-G" + groupSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int maxCode = symmetric ? IntQuant.SymmetricMax(bits) : IntQuant.AsymmetricMax(bits);
        return new FormatInfo(name, bits, groupSize, 16, symmetric ? 0 : 8, maxCode, 0, 0.5);
    }

    /// <summary>int4, groups of 128, FP16 scale: 4 + 16/128 = 4.125 bits.</summary>
    public static readonly FormatInfo Int4Group128 = Int(4, 128);

    /// <summary>int8, groups of 128, FP16 scale: 8.125 bits.</summary>
    public static readonly FormatInfo Int8Group128 = Int(8, 128);

    /// <summary>Every predefined format.</summary>
    public static IReadOnlyList<FormatInfo> All { get; } = new[]
    {
        Bf16, Fp16, Fp8E4M3, Fp8E5M2, Fp4E2M1, MxFp4, MxFp8E4M3, MxFp8E5M2, NvFp4, Int4Group128, Int8Group128,
    };

    /// <summary>The MX format info for an element type.</summary>
    public static FormatInfo ForMx(MxElementType type)
    {
        switch (type)
        {
            case MxElementType.Fp4E2M1: return MxFp4;
            case MxElementType.Fp8E4M3: return MxFp8E4M3;
            case MxElementType.Fp8E5M2: return MxFp8E5M2;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }
}
