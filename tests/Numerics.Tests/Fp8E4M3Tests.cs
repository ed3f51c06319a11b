using System;

namespace GraphDsl.Numerics.Tests;

public class Fp8E4M3Tests
{
    [Fact]
    public void EveryCodeRoundTripsThroughDecodeAndEncode()
    {
        for (int c = 0; c < 256; c++)
        {
            byte code = (byte)c;
            float value = Fp8E4M3.Decode(code);
            if ((c & 0x7F) == 0x7F)
            {
                Assert.True(float.IsNaN(value), $"code 0x{c:X2}");
                Assert.True(Fp8E4M3.IsNaN(Fp8E4M3.Encode(value)));
                Assert.Equal(code, Fp8E4M3.Encode(value));
                Assert.Equal(code, Fp8E4M3.EncodeNonSaturating(value));
            }
            else
            {
                Assert.False(float.IsNaN(value) || float.IsInfinity(value), $"code 0x{c:X2}");
                Assert.Equal(code, Fp8E4M3.Encode(value));
                Assert.Equal(code, Fp8E4M3.EncodeNonSaturating(value));
            }
        }
    }

    [Fact]
    public void DecodesAgainstTheFormulaForEveryCode()
    {
        for (int c = 0; c < 256; c++)
        {
            if ((c & 0x7F) == 0x7F) continue;
            double expected = ReferenceFormat.ValueOf(c & 0x7F, 3, 7) * ((c & 0x80) != 0 ? -1 : 1);
            Assert.Equal(expected, Fp8E4M3.Decode((byte)c));
        }
    }

    [Theory]
    [InlineData(0x7E, 448.0)]
    [InlineData(0xFE, -448.0)]
    [InlineData(0x01, 0.001953125)]      // 2^-9, smallest subnormal
    [InlineData(0x07, 0.013671875)]      // 7 * 2^-9, largest subnormal
    [InlineData(0x08, 0.015625)]         // 2^-6, smallest normal
    [InlineData(0x38, 1.0)]
    [InlineData(0x3F, 1.875)]
    [InlineData(0x00, 0.0)]
    public void KnownValues(int code, double value) => Assert.Equal(value, Fp8E4M3.Decode((byte)code));

    [Fact]
    public void NegativeZeroKeepsItsSign()
    {
        Assert.Equal(0x80, Fp8E4M3.Encode(-0f));
        Assert.True(float.IsNegative(Fp8E4M3.Decode(0x80)));
    }

    [Theory]
    [InlineData(1.0625f, 0x38)]          // tie between 1 (even) and 1.125 -> 1
    [InlineData(1.1875f, 0x3A)]          // tie between 1.125 and 1.25 (even) -> 1.25
    [InlineData(0.0009765625f, 0x00)]    // 2^-10: tie between 0 and 2^-9 -> 0
    [InlineData(0.0029296875f, 0x02)]    // 3 * 2^-10: tie between 1 and 2 subnormal steps -> 2
    [InlineData(0.0146484375f, 0x08)]    // 7.5 * 2^-9: tie between largest subnormal and smallest normal -> normal
    [InlineData(464f, 0x7E)]             // tie between 448 (even) and the NaN slot 480 -> 448
    [InlineData(0.00097656256f, 0x01)]   // just above 2^-10 -> smallest subnormal
    public void RoundsHalfToEven(float value, int expected)
    {
        Assert.Equal(expected, Fp8E4M3.Encode(value));
        Assert.Equal(expected, Fp8E4M3.EncodeNonSaturating(value));
    }

    [Fact]
    public void SaturatingEncodeClampsOverflowAndInfinity()
    {
        Assert.Equal(0x7E, Fp8E4M3.Encode(464.00003f));
        Assert.Equal(0x7E, Fp8E4M3.Encode(1e30f));
        Assert.Equal(0x7E, Fp8E4M3.Encode(float.PositiveInfinity));
        Assert.Equal(0xFE, Fp8E4M3.Encode(float.NegativeInfinity));
        Assert.Equal(0xFE, Fp8E4M3.Encode(-float.MaxValue));
    }

    [Fact]
    public void NonSaturatingEncodeMapsOverflowToNaN()
    {
        Assert.Equal(0x7E, Fp8E4M3.EncodeNonSaturating(463.99997f));
        Assert.Equal(0x7F, Fp8E4M3.EncodeNonSaturating(464.00003f));
        Assert.Equal(0x7F, Fp8E4M3.EncodeNonSaturating(float.PositiveInfinity));
        Assert.Equal(0xFF, Fp8E4M3.EncodeNonSaturating(float.NegativeInfinity));
        Assert.Equal(0xFF, Fp8E4M3.EncodeNonSaturating(-500f));
    }

    [Fact]
    public void NaNEncodesToTheNaNCodeWithItsSign()
    {
        Assert.Equal(0x7F, Fp8E4M3.Encode(Bits.UInt32BitsToSingle(0x7FC00000)));
        Assert.Equal(0xFF, Fp8E4M3.Encode(Bits.UInt32BitsToSingle(0xFFC00001)));
        Assert.Equal(0x7F, Fp8E4M3.Encode(Bits.UInt32BitsToSingle(0x7F800001)));
    }

    [Fact]
    public void TinyInputsFlushToSignedZero()
    {
        Assert.Equal(0x00, Fp8E4M3.Encode(1e-30f));
        Assert.Equal(0x80, Fp8E4M3.Encode(-1e-30f));
        Assert.Equal(0x00, Fp8E4M3.Encode(float.Epsilon));
    }

    [Fact]
    public void MatchesBruteForceNearestEvenOnManyValues()
    {
        var rng = new Random(4301);
        var reference = ReferenceFormat.E4M3;
        void Check(float x)
        {
            if (!float.IsFinite(x)) return;
            int magnitude = reference.RoundMagnitude(x);
            int sign = float.IsNegative(x) ? 0x80 : 0;
            int saturated = sign | Math.Min(magnitude, 0x7E);
            int nonSaturated = sign | (magnitude > 0x7E ? 0x7F : magnitude);
            Assert.True(saturated == Fp8E4M3.Encode(x), $"Encode({x:R})");
            Assert.True(nonSaturated == Fp8E4M3.EncodeNonSaturating(x), $"EncodeNonSaturating({x:R})");
        }
        foreach (float x in TestValues.AroundCodes(Fp8E4M3.Decode, 256)) Check(x);
        for (int i = 0; i < 100_000; i++) Check(TestValues.LogUniform(rng, -14, 11));
        for (int i = 0; i < 20_000; i++) Check(TestValues.RandomBits(rng));
    }
}
