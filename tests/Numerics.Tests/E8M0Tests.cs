using System;

namespace GraphDsl.Numerics.Tests;

public class E8M0Tests
{
    [Fact]
    public void EveryCodeIsAPowerOfTwoOrNaN()
    {
        for (int c = 0; c < 255; c++)
            Assert.Equal(Math.Pow(2, c - 127), E8M0.Decode((byte)c));
        Assert.True(float.IsNaN(E8M0.Decode(0xFF)));
        Assert.True(E8M0.IsNaN(0xFF));
    }

    [Fact]
    public void ExtremesHaveTheExpectedBits()
    {
        Assert.Equal(0x00400000u, Bits.SingleToUInt32Bits(E8M0.Decode(0)));   // 2^-127, a binary32 subnormal
        Assert.Equal(1f, E8M0.Decode(127));
        Assert.Equal(0x7F000000u, Bits.SingleToUInt32Bits(E8M0.Decode(254))); // 2^127
    }

    [Fact]
    public void FromExponentClampsToTheRange()
    {
        Assert.Equal(0, E8M0.FromExponent(-500));
        Assert.Equal(0, E8M0.FromExponent(-127));
        Assert.Equal(127, E8M0.FromExponent(0));
        Assert.Equal(254, E8M0.FromExponent(127));
        Assert.Equal(254, E8M0.FromExponent(128));
        Assert.Equal(-3, E8M0.ToExponent(124));
    }
}
