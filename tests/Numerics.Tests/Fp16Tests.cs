using System;

namespace GraphDsl.Numerics.Tests;

/// <summary>Checks the own binary16 implementation bit for bit against System.Half.</summary>
public class Fp16Tests
{
    private static ushort HalfBits(float x) => BitConverter.HalfToUInt16Bits((Half)x);

    [Fact]
    public void DecodeMatchesSystemHalfForAll65536Codes()
    {
        for (int c = 0; c < 65536; c++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)c);
            float actual = Fp16.Decode((ushort)c);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual) && Fp16.IsNaN((ushort)c), $"code 0x{c:X4}");
            else Assert.Equal(Bits.SingleToUInt32Bits(expected), Bits.SingleToUInt32Bits(actual));
        }
    }

    [Fact]
    public void EveryNonNaNCodeRoundTrips()
    {
        for (int c = 0; c < 65536; c++)
        {
            ushort code = (ushort)c;
            if (Fp16.IsNaN(code)) Assert.True(Fp16.IsNaN(Fp16.Encode(Fp16.Decode(code))));
            else Assert.Equal(code, Fp16.Encode(Fp16.Decode(code)));
        }
    }

    [Fact]
    public void EncodeMatchesSystemHalfOnManyRandomFloats()
    {
        var rng = new Random(1616);
        void Check(float x)
        {
            ushort expected = HalfBits(x);
            ushort actual = Fp16.Encode(x);
            if (float.IsNaN(x)) Assert.True(Fp16.IsNaN(actual));
            else Assert.True(expected == actual, $"Encode({x:R}): expected 0x{expected:X4}, got 0x{actual:X4}");
        }
        for (int i = 0; i < 300_000; i++) Check(TestValues.LogUniform(rng, -27, 17));
        for (int i = 0; i < 300_000; i++) Check(TestValues.RandomBits(rng));
        // Midpoints between neighbouring codes and one binary32 ulp either side.
        for (int c = 0; c < 0x7C00; c++)
        {
            double mid = ((double)Fp16.Decode((ushort)c) + Fp16.Decode((ushort)(c + 1))) / 2;
            float m = (float)mid;
            Check(m);
            Check(-m);
            Check(MathF.BitIncrement(m));
            Check(MathF.BitDecrement(m));
        }
    }

    [Fact]
    public void KnownValuesAndSpecials()
    {
        Assert.Equal(65504f, Fp16.Decode(0x7BFF));
        Assert.Equal(Math.Pow(2, -24), Fp16.Decode(0x0001));
        Assert.Equal(0x7C00, Fp16.Encode(65520f));          // tie with 65536 goes up: overflow to Inf
        Assert.Equal(0x7BFF, Fp16.Encode(65519.996f));
        Assert.Equal(0x7BFF, Fp16.EncodeSaturating(1e9f));
        Assert.Equal(0xFBFF, Fp16.EncodeSaturating(float.NegativeInfinity));
        Assert.Equal(0x0000, Fp16.Encode((float)Math.Pow(2, -25)));  // tie with 2^-24 -> 0
        Assert.Equal(0x0001, Fp16.Encode(MathF.BitIncrement((float)Math.Pow(2, -25))));
    }
}
