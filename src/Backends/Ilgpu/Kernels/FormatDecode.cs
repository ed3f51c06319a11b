using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>
/// Device-side decoders of the stored element formats, bit for bit what GraphDsl.Numerics decodes:
/// each builds the binary32 pattern from the code's fields (or, for subnormals, multiplies an integer
/// by a power of two, which is exact), so no rounding happens and CPU and GPU agree.
/// </summary>
public static class FormatDecode
{
    public static float Bf16(int bits) => Interop.IntAsFloat((uint)(bits & 0xFFFF) << 16);

    /// <summary>IEEE binary16 to binary32 (exact; NaN payloads kept).</summary>
    public static float Fp16(int bits)
    {
        uint sign = (uint)(bits & 0x8000) << 16;
        int exponent = (bits >> 10) & 0x1F;
        uint mantissa = (uint)(bits & 0x3FF);
        if (exponent == 0) return Interop.IntAsFloat(Interop.FloatAsInt(mantissa * 5.9604644775390625e-8f) | sign);
        uint wide = exponent == 0x1F ? 0xFFu : (uint)(exponent + 112);
        return Interop.IntAsFloat(sign | (wide << 23) | (mantissa << 13));
    }

    /// <summary>OCP FP8 E4M3 ("E4M3FN"): no infinities, S.1111.111 is NaN, subnormals m * 2^-9.</summary>
    public static float Fp8E4M3(int bits)
    {
        uint sign = (uint)(bits & 0x80) << 24;
        if ((bits & 0x7F) == 0x7F) return Interop.IntAsFloat(sign | 0x7FC00000u);
        int exponent = (bits >> 3) & 0xF;
        uint mantissa = (uint)(bits & 0x7);
        if (exponent == 0) return Interop.IntAsFloat(Interop.FloatAsInt(mantissa * 0.001953125f) | sign);
        return Interop.IntAsFloat(sign | ((uint)(exponent + 120) << 23) | (mantissa << 20));
    }

    /// <summary>OCP FP8 E5M2 is the top byte of a binary16.</summary>
    public static float Fp8E5M2(int bits) => Fp16((bits & 0xFF) << 8);

    /// <summary>FP4 E2M1 in the low nibble: magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6 (a negative zero keeps its sign).</summary>
    public static float Fp4E2M1(int nibble)
    {
        uint sign = (uint)(nibble & 0x8) << 28;
        int exponent = (nibble >> 1) & 0x3;
        int mantissa = nibble & 0x1;
        float magnitude = exponent == 0 ? mantissa * 0.5f : ((2 + mantissa) << (exponent - 1)) * 0.5f;
        return Interop.IntAsFloat(Interop.FloatAsInt(magnitude) | sign);
    }

    /// <summary>E8M0 scale 2^(code - 127); codes 0 and 255 need mantissa bit 22 (2^-127 and NaN).</summary>
    public static float E8M0(int code)
    {
        uint special = ((code + 1) & 0xFF) <= 1 ? 0x00400000u : 0u;
        return Interop.IntAsFloat(((uint)(code & 0xFF) << 23) | special);
    }

    /// <summary>Two's-complement value of a 4-bit code.</summary>
    public static int SignExtend4(int nibble) => ((nibble & 0xF) ^ 0x8) - 0x8;
}
