using System;
using System.Collections.Generic;

namespace GraphDsl.Numerics.Tests;

/// <summary>
/// Independent, slow reference rounding: scan every finite code of a small format for the nearest value,
/// ties to the even code. Shares no code with the library.
/// </summary>
internal sealed class ReferenceFormat
{
    private readonly List<(int Code, double Value)> _positive = new List<(int, double)>();

    /// <param name="mantissaBits">Mantissa field width.</param>
    /// <param name="bias">Exponent bias.</param>
    /// <param name="maxCode">Largest finite positive magnitude code.</param>
    public ReferenceFormat(int mantissaBits, int bias, int maxCode)
    {
        MantissaBits = mantissaBits;
        MaxCode = maxCode;
        for (int code = 0; code <= maxCode; code++) _positive.Add((code, ValueOf(code, mantissaBits, bias)));
        // The value one step past the max, used to decide IEEE overflow (tie at max + half ulp goes to even).
        OverflowValue = ValueOf(maxCode + 1, mantissaBits, bias);
    }

    public int MantissaBits { get; }
    public int MaxCode { get; }
    public double OverflowValue { get; }
    public double MaxValue => _positive[_positive.Count - 1].Value;

    public static double ValueOf(int magnitudeCode, int mantissaBits, int bias)
    {
        int e = magnitudeCode >> mantissaBits;
        int m = magnitudeCode & ((1 << mantissaBits) - 1);
        return e == 0
            ? m * Math.Pow(2, 1 - bias - mantissaBits)
            : (1 + m / Math.Pow(2, mantissaBits)) * Math.Pow(2, e - bias);
    }

    /// <summary>Nearest magnitude code of |x| (finite), ties to even; MaxCode + 1 means "overflowed".</summary>
    public int RoundMagnitude(double x)
    {
        double a = Math.Abs(x);
        // Far above the range the distances in double all round to the same number; answer directly.
        if (a >= OverflowValue) return MaxCode + 1;
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        foreach (var (code, value) in _positive)
            Consider(code, value, a, ref best, ref bestDistance);
        Consider(MaxCode + 1, OverflowValue, a, ref best, ref bestDistance);
        return best;
    }

    private static void Consider(int code, double value, double a, ref int best, ref double bestDistance)
    {
        double d = Math.Abs(value - a);
        if (d < bestDistance || (d == bestDistance && (code & 1) == 0 && (best & 1) == 1))
        {
            best = code;
            bestDistance = d;
        }
    }

    public static readonly ReferenceFormat E4M3 = new ReferenceFormat(3, 7, 0x7E);
    public static readonly ReferenceFormat E5M2 = new ReferenceFormat(2, 15, 0x7B);
    public static readonly ReferenceFormat E2M1 = new ReferenceFormat(1, 1, 0x7);
}

/// <summary>Seeded generators of test values.</summary>
internal static class TestValues
{
    /// <summary>Random sign * 2^[minExp, maxExp) * [1, 2) with a full random binary32 mantissa.</summary>
    public static float LogUniform(Random rng, int minExponent, int maxExponent)
    {
        double mantissa = 1 + rng.NextDouble();
        double value = mantissa * Math.Pow(2, rng.Next(minExponent, maxExponent));
        return (float)(rng.Next(2) == 0 ? value : -value);
    }

    /// <summary>Uniformly random binary32 bit pattern (covers NaN, Inf, subnormals).</summary>
    public static float RandomBits(Random rng) => Bits.UInt32BitsToSingle((uint)rng.Next() ^ ((uint)rng.Next(4) << 30));

    /// <summary>Many values whose neighbourhood in the target format is interesting: codes, midpoints, nudges.</summary>
    public static IEnumerable<float> AroundCodes(Func<byte, float> decode, int codeCount)
    {
        for (int c = 0; c < codeCount - 1; c++)
        {
            float a = decode((byte)c), b = decode((byte)(c + 1));
            if (float.IsNaN(a) || float.IsNaN(b) || float.IsInfinity(a) || float.IsInfinity(b)) continue;
            if (Math.Sign(a) != Math.Sign(b) && a != 0 && b != 0) continue;
            float mid = (float)(((double)a + b) / 2);
            yield return a;
            yield return mid;
            yield return MathF.BitIncrement(mid);
            yield return MathF.BitDecrement(mid);
            yield return -mid;
        }
    }
}
