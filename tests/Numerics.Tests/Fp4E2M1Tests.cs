using System;

namespace GraphDsl.Numerics.Tests;

public class Fp4E2M1Tests
{
    private static readonly float[] Magnitudes = { 0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f };

    [Fact]
    public void All16CodesDecodeToTheSpecValuesAndRoundTrip()
    {
        for (int c = 0; c < 16; c++)
        {
            float expected = (c & 8) != 0 ? -Magnitudes[c & 7] : Magnitudes[c & 7];
            float value = Fp4E2M1.Decode((byte)c);
            Assert.Equal(expected, value);
            Assert.Equal(float.IsNegative(expected), float.IsNegative(value)); // -0 for code 8
            Assert.Equal(c, Fp4E2M1.Encode(value));
        }
    }

    [Fact]
    public void DecodeIgnoresTheHighNibble() => Assert.Equal(-6f, Fp4E2M1.Decode(0xAF));

    [Theory]
    [InlineData(0.25f, 0x0)]   // tie 0 / 0.5 -> 0 (even)
    [InlineData(0.75f, 0x2)]   // tie 0.5 / 1 -> 1
    [InlineData(1.25f, 0x2)]   // tie 1 / 1.5 -> 1
    [InlineData(1.75f, 0x4)]   // tie 1.5 / 2 -> 2
    [InlineData(2.5f, 0x4)]    // tie 2 / 3 -> 2
    [InlineData(3.5f, 0x6)]    // tie 3 / 4 -> 4
    [InlineData(5f, 0x6)]      // tie 4 / 6 -> 4
    [InlineData(-5f, 0xE)]
    [InlineData(0.2500001f, 0x1)]
    [InlineData(5.0000005f, 0x7)]
    public void RoundsHalfToEven(float value, int expected) => Assert.Equal(expected, Fp4E2M1.Encode(value));

    [Fact]
    public void SaturatesAtSixAndHasNoNaN()
    {
        Assert.Equal(0x7, Fp4E2M1.Encode(7f));
        Assert.Equal(0x7, Fp4E2M1.Encode(1e30f));
        Assert.Equal(0x7, Fp4E2M1.Encode(float.PositiveInfinity));
        Assert.Equal(0xF, Fp4E2M1.Encode(float.NegativeInfinity));
        Assert.Equal(0x0, Fp4E2M1.Encode(float.NaN));
        Assert.Equal(0x0, Fp4E2M1.Encode(Bits.UInt32BitsToSingle(0x7FC00000)));
    }

    [Fact]
    public void MatchesBruteForceNearestEvenOnManyValues()
    {
        var rng = new Random(2101);
        void Check(float x)
        {
            if (!float.IsFinite(x)) return;
            int magnitude = Math.Min(ReferenceFormat.E2M1.RoundMagnitude(x), 7);
            Assert.True(((float.IsNegative(x) ? 8 : 0) | magnitude) == Fp4E2M1.Encode(x), $"Encode({x:R})");
        }
        foreach (float x in TestValues.AroundCodes(Fp4E2M1.Decode, 16)) Check(x);
        for (int i = 0; i < 100_000; i++) Check(TestValues.LogUniform(rng, -4, 4));
        for (int i = 0; i < 20_000; i++) Check(TestValues.RandomBits(rng));
    }
}
