namespace GraphDsl.Numerics;

/// <summary>
/// OCP FP8 E5M2: 1 sign, 5 exponent bits (bias 15), 2 mantissa bits, IEEE-like specials: exponent field 31
/// is ±Inf (mantissa 0) or NaN (mantissa 01, 10, 11). Max finite 57344 = 1.75 * 2^15; subnormals m * 2^-16.
/// It is exactly the upper byte of an IEEE binary16, which decoding exploits.
/// </summary>
public static class Fp8E5M2
{
    /// <summary>Largest finite value, 57344.</summary>
    public const float MaxFinite = 57344f;

    /// <summary>Code of +57344.</summary>
    public const byte MaxFiniteCode = 0x7B;

    /// <summary>Code of +Inf.</summary>
    public const byte PositiveInfinity = 0x7C;

    /// <summary>Canonical positive quiet NaN code.</summary>
    public const byte NaN = 0x7E;

    /// <summary>Smallest positive subnormal, 2^-16.</summary>
    public const float SmallestSubnormal = 1.52587890625e-5f;

    private const int MantissaBits = 2;
    private const int MinNormalExponent = -14;

    /// <summary>
    /// Saturating conversion (the default used by the quantizers): round to nearest even, then
    /// |x| above 57344 (including ±Inf) becomes ±57344; NaN becomes the quiet NaN code with the input's sign.
    /// </summary>
    public static byte Encode(float value)
    =>
        MiniFloat.Encode8(value, MantissaBits, MinNormalExponent, NaN, MaxFiniteCode, MaxFiniteCode);

    /// <summary>
    /// IEEE conversion: round to nearest even with unbounded exponent, results beyond 57344 (from the tie
    /// 61440 upwards) and ±Inf become ±Inf; NaN stays NaN.
    /// </summary>
    public static byte EncodeNonSaturating(float value)
    =>
        MiniFloat.Encode8(value, MantissaBits, MinNormalExponent, NaN, MaxFiniteCode, PositiveInfinity);

    /// <summary>Exact binary32 value of a code (via binary16, whose upper byte it is).</summary>
    public static float Decode(byte bits) => Fp16.Decode((ushort)(bits << 8));

    /// <summary>True for the six NaN codes.</summary>
    public static bool IsNaN(byte bits) => (bits & 0x7F) > PositiveInfinity;
}
