using System;

namespace GraphDsl.Numerics.Tests;

public class Bf16Tests
{
    // Reference by truncation: the two bfloat16 neighbours of x are its truncated bits and the next pattern up;
    // pick the nearer in double, ties to the even pattern. The pattern past the max stands for 2^128 (overflow).
    private static ushort Reference(float x)
    {
        uint bits = Bits.SingleToUInt32Bits(x);
        uint sign = bits & 0x80000000u;
        uint lower = bits & 0x7FFF0000u;
        uint upper = lower + 0x10000u;
        double a = Math.Abs((double)x);
        double lo = Bits.UInt32BitsToSingle(lower);
        double hi = upper == 0x7F800000u ? Math.Pow(2, 128) : Bits.UInt32BitsToSingle(upper);
        uint pick = a - lo < hi - a ? lower : a - lo > hi - a ? upper : ((lower >> 16) & 1) == 0 ? lower : upper;
        return (ushort)((sign | pick) >> 16);
    }

    [Fact]
    public void DecodeIsTheUpperHalfOfBinary32ForAllCodes()
    {
        for (int c = 0; c < 65536; c++)
            Assert.Equal((uint)c << 16, Bits.SingleToUInt32Bits(Bf16.Decode((ushort)c)));
    }

    [Fact]
    public void EveryNonNaNCodeRoundTrips()
    {
        for (int c = 0; c < 65536; c++)
        {
            float v = Bf16.Decode((ushort)c);
            if (float.IsNaN(v)) Assert.True(float.IsNaN(Bf16.Decode(Bf16.Encode(v))));
            else Assert.Equal((ushort)c, Bf16.Encode(v));
        }
    }

    [Fact]
    public void EncodeMatchesTheTruncationReferenceOnManyRandomFloats()
    {
        var rng = new Random(1608);
        for (int i = 0; i < 500_000; i++)
        {
            float x = i % 2 == 0 ? TestValues.RandomBits(rng) : TestValues.LogUniform(rng, -140, 128);
            if (float.IsNaN(x)) { Assert.True(float.IsNaN(Bf16.Decode(Bf16.Encode(x)))); continue; }
            if (float.IsInfinity(x)) { Assert.Equal((ushort)(Bits.SingleToUInt32Bits(x) >> 16), Bf16.Encode(x)); continue; }
            Assert.True(Reference(x) == Bf16.Encode(x), $"Encode({x:R})");
        }
    }

    [Fact]
    public void TiesGoToEvenAndOverflowGoesToInfinity()
    {
        Assert.Equal(0x3F80, Bf16.Encode(Bits.UInt32BitsToSingle(0x3F808000))); // tie, 0x3F80 even
        Assert.Equal(0x3F82, Bf16.Encode(Bits.UInt32BitsToSingle(0x3F818000))); // tie, 0x3F82 even
        Assert.Equal(0x3F81, Bf16.Encode(Bits.UInt32BitsToSingle(0x3F808001)));
        Assert.Equal(0x7F80, Bf16.Encode(float.MaxValue));
        Assert.Equal(0x7F7F, Bf16.Encode(Bf16.MaxFinite));
        Assert.Equal(0x0001, Bf16.Encode(Bits.UInt32BitsToSingle(0x00008001))); // subnormal rounds up
        Assert.Equal(0x7FC1, Bf16.Encode(Bits.UInt32BitsToSingle(0x7F810000))); // signalling NaN is quieted
    }
}
