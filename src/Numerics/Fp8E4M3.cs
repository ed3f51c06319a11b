namespace GraphDsl.Numerics;

/// <summary>
/// OCP FP8 E4M3 ("E4M3FN"): 1 sign, 4 exponent bits (bias 7), 3 mantissa bits. No infinities; the only
/// NaN codes are S.1111.111 (0x7F, 0xFF), so S.1111.110 = ±448 is the largest finite value.
/// Subnormals: exponent field 0, value = m * 2^-9 (smallest 2^-9, largest 7 * 2^-9).
/// </summary>
public static class Fp8E4M3
{
    /// <summary>Largest finite value, 448 = 1.75 * 2^8.</summary>
    public const float MaxFinite = 448f;

    /// <summary>Code of +448.</summary>
    public const byte MaxFiniteCode = 0x7E;

    /// <summary>Positive NaN code (0xFF is the negative one).</summary>
    public const byte NaN = 0x7F;

    /// <summary>Smallest positive subnormal, 2^-9.</summary>
    public const float SmallestSubnormal = 0.001953125f;

    private const int MantissaBits = 3;
    private const int MinNormalExponent = -6;

    /// <summary>
    /// Saturating conversion (the default used by the quantizers): round to nearest even, then
    /// |x| above 448 (including ±Inf) becomes ±448; NaN becomes the NaN code with the input's sign.
    /// </summary>
    public static byte Encode(float value)
    =>
        MiniFloat.Encode8(value, MantissaBits, MinNormalExponent, NaN, MaxFiniteCode, MaxFiniteCode);

    /// <summary>
    /// Non-saturating conversion: round to nearest even; a result beyond 448 (anything at or above 464,
    /// the tie with the non-existent 480, rounds there) and ±Inf become NaN, since E4M3 has no infinity.
    /// </summary>
    public static byte EncodeNonSaturating(float value)
    =>
        MiniFloat.Encode8(value, MantissaBits, MinNormalExponent, NaN, MaxFiniteCode, NaN);

    /// <summary>Exact binary32 value of a code; S.1111.111 decodes to NaN with that sign.</summary>
    public static float Decode(byte bits)
    {
        uint sign = (uint)(bits & 0x80) << 24;
        float magnitude = MiniFloat.DecodeMagnitude((bits >> 3) & 0xF, bits & 0x7, MantissaBits, SmallestSubnormal);
        uint magnitudeBits = (bits & 0x7F) == NaN ? 0x7FC00000u : Bits.SingleToUInt32Bits(magnitude);
        return Bits.UInt32BitsToSingle(sign | magnitudeBits);
    }

    /// <summary>True for the two NaN codes.</summary>
    public static bool IsNaN(byte bits) => (bits & 0x7F) == NaN;
}
