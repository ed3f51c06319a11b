namespace GraphDsl.Numerics;

/// <summary>
/// OCP FP4 E2M1: 1 sign, 2 exponent bits (bias 1), 1 mantissa bit, stored in the low nibble of a byte.
/// Magnitudes 0, 0.5 (the only subnormal), 1, 1.5, 2, 3, 4, 6. No Inf and no NaN.
/// </summary>
public static class Fp4E2M1
{
    /// <summary>Largest finite value, 6.</summary>
    public const float MaxFinite = 6f;

    /// <summary>Code of +6.</summary>
    public const byte MaxFiniteCode = 0x7;

    /// <summary>Smallest positive subnormal, 0.5.</summary>
    public const float SmallestSubnormal = 0.5f;

    private const int MantissaBits = 1;
    private const int MinNormalExponent = 0;

    /// <summary>
    /// Round to nearest even and saturate: |x| above 6 (including ±Inf) becomes ±6. The format cannot
    /// hold NaN, so NaN encodes as +0; the block quantizers carry NaN in their scale instead.
    /// </summary>
    public static byte Encode(float value)
    {
        uint bits = Bits.SingleToUInt32Bits(value);
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return 0;
        uint sign = (bits >> 28) & 0x8u;
        int code = MiniFloat.RoundMagnitude(abs, MantissaBits, MinNormalExponent);
        return (byte)(sign | (code > MaxFiniteCode ? MaxFiniteCode : (uint)code));
    }

    /// <summary>Exact binary32 value of the low nibble of <paramref name="bits"/>.</summary>
    public static float Decode(byte bits)
    {
        uint sign = (uint)(bits & 0x8) << 28;
        float magnitude = MiniFloat.DecodeMagnitude((bits >> 1) & 0x3, bits & 0x1, MantissaBits, SmallestSubnormal);
        return MiniFloat.WithSign(magnitude, sign);
    }
}
