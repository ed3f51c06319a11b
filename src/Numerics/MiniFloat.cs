namespace GraphDsl.Numerics;

/// <summary>
/// Shared rounding and decoding core for the small binary floating-point formats (FP16, FP8, FP4).
/// A format is described by its mantissa width M and its minimum normal exponent emin = 1 - bias;
/// magnitude codes are (exponentField &lt;&lt; M) | mantissa, exactly as stored without the sign bit.
/// </summary>
internal static class MiniFloat
{
    /// <summary>
    /// Encodes to an 8-bit float code: NaN keeps its sign and becomes <paramref name="nan"/>; otherwise the
    /// magnitude rounds to nearest even and a code above <paramref name="maxFinite"/> becomes <paramref name="overflow"/>
    /// (the format's overflow policy: saturate, NaN or infinity).
    /// </summary>
    internal static byte Encode8(float value, int mantissaBits, int minNormalExponent, uint nan, uint maxFinite, uint overflow)
    {
        uint bits = Bits.SingleToUInt32Bits(value);
        uint sign = (bits >> 24) & 0x80u;
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return (byte)(sign | nan);
        int code = RoundMagnitude(abs, mantissaBits, minNormalExponent);
        return (byte)(sign | (code > maxFinite ? overflow : (uint)code));
    }

    /// <summary>
    /// Rounds the finite or infinite binary32 magnitude <paramref name="absBits"/> (sign bit clear, not NaN)
    /// to the nearest code of the target format, ties to even, with unbounded exponent range: the result
    /// may exceed the format's largest finite code and the caller applies its overflow policy.
    /// </summary>
    internal static int RoundMagnitude(uint absBits, int mantissaBits, int minNormalExponent)
    {
        int exponentField = (int)(absBits >> 23);
        // binary32 zeros and subnormals are below 2^-126, far under half the smallest subnormal of
        // every target that uses this core (FP16's is 2^-24), so they round to zero.
        if (exponentField == 0) return 0;
        int exponent = exponentField - 127;
        int significand = (int)(absBits & 0x7FFFFFu) | 0x800000; // value = significand * 2^(exponent - 23)
        // Below emin the quantum stops shrinking (subnormals): it is 2^(max(exponent, emin) - M).
        int quantumExponent = exponent > minNormalExponent ? exponent : minNormalExponent;
        int shift = quantumExponent - exponent + 23 - mantissaBits;
        // significand < 2^24, so any shift past 25 rounds to zero; capping keeps the shifts defined.
        if (shift > 26) shift = 26;
        int lsb = (significand >> shift) & 1;
        int quanta = (significand + (1 << (shift - 1)) - 1 + lsb) >> shift; // round half to even
        // Normal: quanta in [2^M, 2^(M+1)] carries the implicit bit into the exponent field; a carry out of
        // the mantissa bumps the exponent by itself. Subnormal: the exponent term is zero.
        return ((quantumExponent - minNormalExponent) << mantissaBits) + quanta;
    }

    /// <summary>
    /// Magnitude of a code as an exact float: (implicit bit | mantissa) shifted by the exponent field,
    /// times the smallest subnormal. Valid while (2^(M+1) - 1) &lt;&lt; (maxExponentField - 1) fits in 31 bits.
    /// </summary>
    internal static float DecodeMagnitude(int exponentField, int mantissa, int mantissaBits, float smallestSubnormal)
    {
        int isNormal = exponentField != 0 ? 1 : 0;
        int integer = (mantissa | (isNormal << mantissaBits)) << (exponentField - isNormal);
        return integer * smallestSubnormal;
    }

    /// <summary>Applies a sign bit (0 or 0x80000000) to a non-negative float by OR-ing its bits.</summary>
    internal static float WithSign(float magnitude, uint signBit32) =>
        Bits.UInt32BitsToSingle(Bits.SingleToUInt32Bits(magnitude) | signBit32);
}
