namespace GraphDsl.Numerics;

/// <summary>
/// IEEE 754 binary16: 1 sign, 5 exponent bits (bias 15), 10 mantissa bits; subnormals down to 2^-24,
/// max finite 65504, exponent field 31 is Inf (mantissa 0) or NaN. Own implementation because
/// System.Half is not available on netstandard2.0; bit-identical to System.Half conversions.
/// </summary>
public static class Fp16
{
    /// <summary>Largest finite value, 65504.</summary>
    public const float MaxFinite = 65504f;

    /// <summary>Code of the largest finite positive value.</summary>
    public const ushort MaxFiniteCode = 0x7BFF;

    /// <summary>Code of +Inf.</summary>
    public const ushort PositiveInfinity = 0x7C00;

    /// <summary>Canonical positive quiet NaN code.</summary>
    public const ushort NaN = 0x7E00;

    private const int MantissaBits = 10;
    private const int MinNormalExponent = -14;

    // 2^-24, exactly representable.
    private const float SmallestSubnormal = 5.9604644775390625e-8f;

    /// <summary>
    /// IEEE conversion: round to nearest even; results above the largest finite value after rounding
    /// become ±Inf; NaN stays NaN (quiet, with the top payload bits kept).
    /// </summary>
    public static ushort Encode(float value)
    {
        uint bits = Bits.SingleToUInt32Bits(value);
        uint sign = (bits >> 16) & 0x8000u;
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return (ushort)(sign | 0x7E00u | ((abs >> 13) & 0x03FFu));
        int code = MiniFloat.RoundMagnitude(abs, MantissaBits, MinNormalExponent);
        return (ushort)(sign | (code > MaxFiniteCode ? PositiveInfinity : (uint)code));
    }

    /// <summary>As <see cref="Encode"/>, but magnitudes that would overflow (including ±Inf) clamp to ±65504.</summary>
    public static ushort EncodeSaturating(float value)
    {
        uint bits = Bits.SingleToUInt32Bits(value);
        uint sign = (bits >> 16) & 0x8000u;
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return (ushort)(sign | 0x7E00u | ((abs >> 13) & 0x03FFu));
        int code = MiniFloat.RoundMagnitude(abs, MantissaBits, MinNormalExponent);
        return (ushort)(sign | (code > MaxFiniteCode ? MaxFiniteCode : (uint)code));
    }

    /// <summary>Exact binary32 value of a binary16 code (NaN payloads are kept).</summary>
    public static float Decode(ushort bits)
    {
        uint sign = (uint)(bits & 0x8000) << 16;
        int exponentField = (bits >> 10) & 0x1F;
        uint mantissa = bits & 0x03FFu;
        // Normal and Inf/NaN: rebias the exponent (15 -> 127) and widen the mantissa.
        uint wideExponent = exponentField == 0x1F ? 0xFFu : (uint)(exponentField + 112);
        uint normalBits = (wideExponent << 23) | (mantissa << 13);
        // Subnormal: mantissa * 2^-24 is a normal binary32, so the int-to-float product is exact.
        uint subnormalBits = Bits.SingleToUInt32Bits(mantissa * SmallestSubnormal);
        return Bits.UInt32BitsToSingle(sign | (exponentField == 0 ? subnormalBits : normalBits));
    }

    /// <summary>True when the code is a NaN (exponent all ones, mantissa non-zero).</summary>
    public static bool IsNaN(ushort bits) => (bits & 0x7FFF) > 0x7C00;
}
