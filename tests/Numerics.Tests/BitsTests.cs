using System;

namespace GraphDsl.Numerics.Tests;

public class BitsTests
{
    [Fact]
    public void ReinterpretationMatchesBitConverter()
    {
        var rng = new Random(32);
        for (int i = 0; i < 10_000; i++)
        {
            int bits = rng.Next() ^ (rng.Next(2) << 31);
            Assert.Equal(BitConverter.Int32BitsToSingle(bits), Bits.Int32BitsToSingle(bits));
            Assert.Equal(bits, Bits.SingleToInt32Bits(Bits.Int32BitsToSingle(bits)));
            Assert.Equal((uint)bits, Bits.SingleToUInt32Bits(Bits.UInt32BitsToSingle((uint)bits)));
        }
    }

    [Fact]
    public void Pow2IsExactIncludingSubnormals()
    {
        for (int e = -149; e <= 127; e++) Assert.Equal(Math.Pow(2, e), Bits.Pow2(e));
        Assert.Equal(0f, Bits.Pow2(-150));
        Assert.Equal(float.PositiveInfinity, Bits.Pow2(128));
    }

    [Fact]
    public void FloorLog2IsExact()
    {
        Assert.Equal(0, Bits.FloorLog2(1f));
        Assert.Equal(0, Bits.FloorLog2(1.999f));
        Assert.Equal(1, Bits.FloorLog2(-2f));
        Assert.Equal(-1, Bits.FloorLog2(0.75f));
        Assert.Equal(127, Bits.FloorLog2(float.MaxValue));
        Assert.Equal(-149, Bits.FloorLog2(float.Epsilon));
        Assert.Equal(-127, Bits.FloorLog2(Bits.UInt32BitsToSingle(0x00400000)));
        Assert.Equal(-127, Bits.FloorLog2(Bits.UInt32BitsToSingle(0x007FFFFF)));
        Assert.Equal(int.MinValue, Bits.FloorLog2(0f));
        Assert.Equal(int.MaxValue, Bits.FloorLog2(float.NaN));
        Assert.Equal(int.MaxValue, Bits.FloorLog2(float.NegativeInfinity));
    }

    [Fact]
    public void ClassifiesSpecials()
    {
        Assert.True(Bits.IsNaN(float.NaN));
        Assert.False(Bits.IsNaN(float.PositiveInfinity));
        Assert.False(Bits.IsFinite(float.NegativeInfinity));
        Assert.True(Bits.IsFinite(float.MaxValue));
    }
}
