using ILGPU;
using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>
/// Device-side "store in a narrower float and read back" for nn.cast and a KV cache's storage type,
/// ported from GraphDsl.Numerics (MiniFloat.RoundMagnitude: round to nearest even in integer
/// arithmetic) so the device rounds exactly as the reference does. FP8 saturates like the quantizers;
/// f16 overflows to infinity.
/// </summary>
public static class FormatRound
{
    public const int None = 0, Bf16 = 1, F16 = 2, Fp8E4M3 = 3, Fp8E5M2 = 4, Truncate = 5, Bool = 6;

    public static float Round(float value, int format)
    {
        switch (format)
        {
            case Bf16: return RoundBf16(value);
            case F16: return FormatDecode.Fp16(EncodeF16(value));
            case Fp8E4M3: return FormatDecode.Fp8E4M3(EncodeE4M3(value));
            case Fp8E5M2: return FormatDecode.Fp8E5M2(EncodeE5M2(value));
            case Truncate: return value < 0 ? -(float)(int)(-value) : (float)(int)value;
            case Bool: return value != 0 ? 1f : 0f;
            default: return value;
        }
    }

    private static float RoundBf16(float value)
    {
        uint bits = (uint)Interop.FloatAsInt(value);
        if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return Interop.IntAsFloat((bits & 0xFFFF0000u) | 0x00400000u);
        uint rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
        return Interop.IntAsFloat(rounded & 0xFFFF0000u);
    }

    /// <summary>
    /// Symmetric integer group quantization of x[at .. at + length) with an FP16 scale, bit for bit as
    /// GraphDsl.Numerics.IntQuant: scale = smallest FP16 &gt;= amax / qmax (qmax 127 or 7), q = RNE(x / scale)
    /// clamped to ±qmax, written back as q * scale; a group with NaN or ±Inf becomes NaN, an all-zero one 0.
    /// </summary>
    public static void RoundIntGroup(ArrayView<float> x, long at, ArrayView<float> y, long yAt, int length, int bits)
    {
        int qmax = (1 << (bits - 1)) - 1;
        float amax = 0f;
        bool nonFinite = false;
        for (int i = 0; i < length; i++)
        {
            float v = x[at + i];
            if (!(v - v == 0f)) nonFinite = true;
            float a = v < 0 ? -v : v;
            if (a > amax) amax = a;
        }
        if (nonFinite)
        {
            for (int i = 0; i < length; i++) y[yAt + i] = float.NaN;
            return;
        }
        double target = (double)amax / qmax;
        int code = EncodeF16((float)target, saturate: true);
        if (FormatDecode.Fp16(code) < target && code < 0x7BFF) code++;
        double step = FormatDecode.Fp16(code);
        for (int i = 0; i < length; i++)
        {
            if (step == 0) { y[yAt + i] = 0f; continue; }
            double q = RoundHalfEven(x[at + i] / step);
            if (q > qmax) q = qmax;
            if (q < -qmax) q = -qmax;
            y[yAt + i] = (float)q * (float)step;
        }
    }

    private static double RoundHalfEven(double v)
    {
        double floor = XMath.Floor(v);
        double diff = v - floor;
        if (diff > 0.5) return floor + 1;
        if (diff < 0.5) return floor;
        return XMath.Floor(floor * 0.5) * 2 == floor ? floor : floor + 1;
    }

    /// <summary>Binary16 code of a value (round to nearest even); overflow becomes ±Inf, or ±65504 when saturating.</summary>
    private static int EncodeF16(float value, bool saturate = false)
    {
        uint bits = (uint)Interop.FloatAsInt(value);
        int sign = (int)((bits >> 16) & 0x8000u);
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return sign | 0x7E00 | (int)((abs >> 13) & 0x03FFu);
        int code = RoundMagnitude(abs, 10, -14);
        return sign | (code > 0x7BFF ? (saturate ? 0x7BFF : 0x7C00) : code);
    }

    private static int EncodeE4M3(float value)
    {
        uint bits = (uint)Interop.FloatAsInt(value);
        int sign = (int)((bits >> 24) & 0x80u);
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return sign | 0x7F;
        int code = RoundMagnitude(abs, 3, -6);
        return sign | (code > 0x7E ? 0x7E : code);
    }

    private static int EncodeE5M2(float value)
    {
        uint bits = (uint)Interop.FloatAsInt(value);
        int sign = (int)((bits >> 24) & 0x80u);
        uint abs = bits & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return sign | 0x7E;
        int code = RoundMagnitude(abs, 2, -14);
        return sign | (code > 0x7B ? 0x7B : code);
    }

    /// <summary>The nearest code (ties to even) of a binary32 magnitude in a format with M mantissa bits and
    /// minimum normal exponent emin, unbounded above (the caller applies its overflow rule).</summary>
    private static int RoundMagnitude(uint absBits, int mantissaBits, int minNormalExponent)
    {
        int exponentField = (int)(absBits >> 23);
        if (exponentField == 0) return 0;
        int exponent = exponentField - 127;
        int significand = (int)(absBits & 0x7FFFFFu) | 0x800000;
        int quantumExponent = exponent > minNormalExponent ? exponent : minNormalExponent;
        int shift = quantumExponent - exponent + 23 - mantissaBits;
        if (shift > 26) shift = 26;
        int lsb = (significand >> shift) & 1;
        int quanta = (significand + (1 << (shift - 1)) - 1 + lsb) >> shift;
        return ((quantumExponent - minNormalExponent) << mantissaBits) + quanta;
    }
}
