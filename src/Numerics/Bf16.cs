namespace GraphDsl.Numerics;

/// <summary>
/// bfloat16: the top 16 bits of an IEEE binary32 (1 sign, 8 exponent bits with bias 127, 7 mantissa bits).
/// Encoding rounds to nearest even; overflow goes to ±Inf as in IEEE 754; NaN stays a (quiet) NaN.
/// </summary>
public static class Bf16
{
    /// <summary>Largest finite bfloat16, (2 - 2^-7) * 2^127.</summary>
    public const float MaxFinite = 3.38953139e38f;

    /// <summary>Canonical positive quiet NaN code.</summary>
    public const ushort NaN = 0x7FC0;

    /// <summary>Rounds <paramref name="value"/> to bfloat16, ties to even (subnormals included).</summary>
    public static ushort Encode(float value)
    {
        uint bits = Bits.SingleToUInt32Bits(value);
        if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
            return (ushort)((bits >> 16) | 0x0040u); // keep sign and upper payload, force quiet
        // Adding 0x7FFF plus the lowest kept bit rounds half to even; a carry may walk into the exponent,
        // which is exactly the round-up to the next binade or to Inf.
        uint rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)(rounded >> 16);
    }

    /// <summary>Exact binary32 value of a bfloat16 code.</summary>
    public static float Decode(ushort bits) => Bits.UInt32BitsToSingle((uint)bits << 16);
}
