namespace GraphDsl.Numerics;

/// <summary>
/// OCP MX scale format E8M0: an unsigned 8-bit biased exponent (bias 127), value 2^(code - 127) for codes
/// 0..254, so 2^-127 .. 2^127; code 0xFF is NaN. No sign, no zero, no infinity.
/// </summary>
public static class E8M0
{
    /// <summary>The NaN code.</summary>
    public const byte NaN = 0xFF;

    /// <summary>Exponent bias.</summary>
    public const int Bias = 127;

    /// <summary>Smallest and largest representable exponents.</summary>
    public const int MinExponent = -127, MaxExponent = 127;

    /// <summary>Code of 2^<paramref name="exponent"/>, with the exponent clamped into [-127, 127].</summary>
    public static byte FromExponent(int exponent)
    {
        if (exponent < MinExponent) exponent = MinExponent;
        if (exponent > MaxExponent) exponent = MaxExponent;
        return (byte)(exponent + Bias);
    }

    /// <summary>The exponent of a non-NaN code (code - 127).</summary>
    public static int ToExponent(byte code) => code - Bias;

    /// <summary>
    /// Exact binary32 value. The code lands in the binary32 exponent field; codes 0 and 255 both also need
    /// mantissa bit 22: 0x00400000 is 2^-127 (a binary32 subnormal) and 0x7FC00000 is the quiet NaN.
    /// </summary>
    public static float Decode(byte code)
    {
        uint special = ((code + 1) & 0xFF) <= 1 ? 0x00400000u : 0u;
        return Bits.UInt32BitsToSingle(((uint)code << 23) | special);
    }

    /// <summary>True for the NaN code.</summary>
    public static bool IsNaN(byte code) => code == NaN;
}
