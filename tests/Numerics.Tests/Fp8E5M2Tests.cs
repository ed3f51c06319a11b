using System;

namespace GraphDsl.Numerics.Tests;

public class Fp8E5M2Tests
{
    [Fact]
    public void EveryCodeRoundTripsThroughDecodeAndEncode()
    {
        for (int c = 0; c < 256; c++)
        {
            byte code = (byte)c;
            float value = Fp8E5M2.Decode(code);
            int magnitude = c & 0x7F;
            if (magnitude > 0x7C)
            {
                Assert.True(float.IsNaN(value), $"code 0x{c:X2}");
                Assert.True(Fp8E5M2.IsNaN(Fp8E5M2.Encode(value)));
                Assert.True(Fp8E5M2.IsNaN(Fp8E5M2.EncodeNonSaturating(value)));
                Assert.Equal(c & 0x80, Fp8E5M2.Encode(value) & 0x80);
            }
            else if (magnitude == 0x7C)
            {
                Assert.True(float.IsInfinity(value));
                Assert.Equal(code, Fp8E5M2.EncodeNonSaturating(value));
                Assert.Equal((byte)((c & 0x80) | 0x7B), Fp8E5M2.Encode(value));
            }
            else
            {
                Assert.Equal(code, Fp8E5M2.Encode(value));
                Assert.Equal(code, Fp8E5M2.EncodeNonSaturating(value));
            }
        }
    }

    [Fact]
    public void DecodesAgainstTheFormulaForEveryFiniteCode()
    {
        for (int c = 0; c < 256; c++)
        {
            if ((c & 0x7F) >= 0x7C) continue;
            double expected = ReferenceFormat.ValueOf(c & 0x7F, 2, 15) * ((c & 0x80) != 0 ? -1 : 1);
            Assert.Equal(expected, Fp8E5M2.Decode((byte)c));
        }
    }

    [Theory]
    [InlineData(0x7B, 57344.0)]
    [InlineData(0xFB, -57344.0)]
    [InlineData(0x01, 1.52587890625e-5)]  // 2^-16, smallest subnormal
    [InlineData(0x04, 6.103515625e-5)]    // 2^-14, smallest normal
    [InlineData(0x3C, 1.0)]
    [InlineData(0x7C, double.PositiveInfinity)]
    [InlineData(0xFC, double.NegativeInfinity)]
    public void KnownValues(int code, double value) => Assert.Equal(value, Fp8E5M2.Decode((byte)code));

    [Theory]
    [InlineData(1.125f, 0x3C)]            // tie between 1 (even) and 1.25 -> 1
    [InlineData(1.375f, 0x3E)]            // tie between 1.25 and 1.5 (even) -> 1.5
    [InlineData(7.62939453125e-6f, 0x00)] // 2^-17: tie between 0 and 2^-16 -> 0
    [InlineData(2.288818359375e-5f, 0x02)]// 1.5 * 2^-16 -> 2 * 2^-16
    public void RoundsHalfToEven(float value, int expected) => Assert.Equal(expected, Fp8E5M2.Encode(value));

    [Fact]
    public void OverflowFollowsIeeeWhenNotSaturating()
    {
        Assert.Equal(0x7B, Fp8E5M2.EncodeNonSaturating(61439.996f));
        Assert.Equal(0x7C, Fp8E5M2.EncodeNonSaturating(61440f)); // tie: 57344 has an odd mantissa, so it goes up to Inf
        Assert.Equal(0x7C, Fp8E5M2.EncodeNonSaturating(1e10f));
        Assert.Equal(0xFC, Fp8E5M2.EncodeNonSaturating(float.NegativeInfinity));
    }

    [Fact]
    public void SaturatingEncodeClampsOverflowAndInfinity()
    {
        Assert.Equal(0x7B, Fp8E5M2.Encode(61440f));
        Assert.Equal(0x7B, Fp8E5M2.Encode(float.PositiveInfinity));
        Assert.Equal(0xFB, Fp8E5M2.Encode(float.NegativeInfinity));
        Assert.Equal(0xFB, Fp8E5M2.Encode(-1e38f));
    }

    [Fact]
    public void NaNStaysNaN()
    {
        Assert.True(Fp8E5M2.IsNaN(Fp8E5M2.Encode(float.NaN)));
        Assert.True(Fp8E5M2.IsNaN(Fp8E5M2.EncodeNonSaturating(float.NaN)));
        Assert.Equal(0x7E, Fp8E5M2.Encode(Bits.UInt32BitsToSingle(0x7FC00000)));
    }

    [Fact]
    public void MatchesBruteForceNearestEvenOnManyValues()
    {
        var rng = new Random(5202);
        var reference = ReferenceFormat.E5M2;
        void Check(float x)
        {
            if (!float.IsFinite(x)) return;
            int magnitude = reference.RoundMagnitude(x);
            int sign = float.IsNegative(x) ? 0x80 : 0;
            Assert.True((sign | Math.Min(magnitude, 0x7B)) == Fp8E5M2.Encode(x), $"Encode({x:R})");
            Assert.True((sign | Math.Min(magnitude, 0x7C)) == Fp8E5M2.EncodeNonSaturating(x), $"EncodeNonSaturating({x:R})");
        }
        foreach (float x in TestValues.AroundCodes(Fp8E5M2.Decode, 256)) Check(x);
        for (int i = 0; i < 100_000; i++) Check(TestValues.LogUniform(rng, -20, 18));
        for (int i = 0; i < 20_000; i++) Check(TestValues.RandomBits(rng));
    }
}
