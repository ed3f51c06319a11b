using System.Runtime.InteropServices;

namespace GraphDsl.Numerics;

/// <summary>
/// Reinterprets IEEE-754 binary32 values as their bit patterns and back, plus a few exact
/// power-of-two helpers. Works on netstandard2.0, which lacks BitConverter.Int32BitsToSingle.
/// </summary>
public static class Bits
{
    // A union: writing one field and reading the other reinterprets the 4 bytes without conversion.
    [StructLayout(LayoutKind.Explicit)]
    private struct FloatIntUnion
    {
        [FieldOffset(0)] public float Single;
        [FieldOffset(0)] public uint UInt32;
    }

    /// <summary>Bit pattern of <paramref name="value"/> (NaN payloads preserved).</summary>
    public static uint SingleToUInt32Bits(float value)
    {
        var u = new FloatIntUnion { Single = value };
        return u.UInt32;
    }

    /// <summary>The float whose bit pattern is <paramref name="bits"/>.</summary>
    public static float UInt32BitsToSingle(uint bits)
    {
        var u = new FloatIntUnion { UInt32 = bits };
        return u.Single;
    }

    /// <summary>Bit pattern of <paramref name="value"/> as a signed integer.</summary>
    public static int SingleToInt32Bits(float value) => unchecked((int)SingleToUInt32Bits(value));

    /// <summary>The float whose bit pattern is <paramref name="bits"/>.</summary>
    public static float Int32BitsToSingle(int bits) => UInt32BitsToSingle(unchecked((uint)bits));

    /// <summary>True for NaN, decided on the bits so it cannot be optimised away.</summary>
    public static bool IsNaN(float value) => (SingleToUInt32Bits(value) & 0x7FFFFFFFu) > 0x7F800000u;

    /// <summary>True for finite values (not NaN, not ±Inf).</summary>
    public static bool IsFinite(float value) => (SingleToUInt32Bits(value) & 0x7F800000u) != 0x7F800000u;

    /// <summary>
    /// Exactly 2^<paramref name="exponent"/> as a float for exponent in [-149, 127], including the
    /// binary32 subnormals below 2^-126; 0 below that range and +Inf above it.
    /// </summary>
    public static float Pow2(int exponent)
    {
        if (exponent > 127) return float.PositiveInfinity;
        if (exponent >= -126) return UInt32BitsToSingle((uint)(exponent + 127) << 23);
        if (exponent >= -149) return UInt32BitsToSingle(1u << (exponent + 149));
        return 0f;
    }

    /// <summary>
    /// floor(log2(|value|)) computed exactly from the bits, also for subnormals.
    /// Returns int.MinValue for ±0 and int.MaxValue for NaN and ±Inf.
    /// </summary>
    public static int FloorLog2(float value)
    {
        uint abs = SingleToUInt32Bits(value) & 0x7FFFFFFFu;
        if (abs >= 0x7F800000u) return int.MaxValue;
        if (abs == 0) return int.MinValue;
        int exponentField = (int)(abs >> 23);
        if (exponentField != 0) return exponentField - 127;
        // Subnormal: value = mantissa * 2^-149, so the answer is the index of its top bit minus 149.
        int top = 0;
        while ((abs >> (top + 1)) != 0) top++;
        return top - 149;
    }
}
