using System;
using System.Linq;

namespace GraphDsl.Numerics.Tests;

public class MxBlockTests
{
    private static float[] OneToThirtyTwo() => Enumerable.Range(1, 32).Select(i => (float)i).ToArray();

    [Fact]
    public void Mxfp4ScaleIsFloorLog2OfAmaxMinusTwo()
    {
        // amax 32 = 2^5 -> shared exponent 5 - 2 = 3, X = 8, code 127 + 3.
        var t = MxBlock.Quantize(OneToThirtyTwo(), 1, 32, MxElementType.Fp4E2M1);
        Assert.Equal(130, t.Scales[0]);
        var d = MxBlock.Dequantize(t);
        Assert.Equal(0f, d[0]);   // 1/8 = 0.125 -> 0
        Assert.Equal(0f, d[1]);   // 2/8 = 0.25, tie 0 / 0.5 -> 0
        Assert.Equal(4f, d[2]);   // 3/8 = 0.375 -> 0.5 -> 4
        Assert.Equal(12f, d[11]); // 12/8 = 1.5 exact
        Assert.Equal(16f, d[19]); // 20/8 = 2.5, tie 2 / 3 -> 2 -> 16
        Assert.Equal(32f, d[27]); // 28/8 = 3.5, tie 3 / 4 -> 4 -> 32
        Assert.Equal(32f, d[31]); // 32/8 = 4 exact
    }

    [Fact]
    public void Mxfp8ScaleIsFloorLog2OfAmaxMinusEight()
    {
        // amax 32 -> 5 - 8 = -3, X = 1/8: elements become 8 * v.
        var t = MxBlock.Quantize(OneToThirtyTwo(), 1, 32, MxElementType.Fp8E4M3);
        Assert.Equal(124, t.Scales[0]);
        var d = MxBlock.Dequantize(t);
        Assert.Equal(16f, d[15]);  // 128 exact
        Assert.Equal(16f, d[16]);  // 17 * 8 = 136, tie 128 / 144 -> 128 (even) -> 16
        Assert.Equal(20f, d[18]);  // 19 * 8 = 152, tie 144 / 160 -> 160 (even) -> 20
        Assert.Equal(32f, d[31]);
    }

    [Fact]
    public void Mxfp8E5M2ScaleUsesEmax15()
    {
        var t = MxBlock.Quantize(OneToThirtyTwo(), 1, 32, MxElementType.Fp8E5M2);
        Assert.Equal(127 + 5 - 15, t.Scales[0]);
        Assert.Equal(32f, MxBlock.Dequantize(t)[31]);
    }

    [Fact]
    public void ElementsAboveTheElementMaxSaturate()
    {
        // amax 7.5: floor(log2) = 2 -> X = 1 for MXFP4; 7.5 saturates to 6.
        var block = new float[32];
        block[0] = 7.5f;
        block[1] = -7f;
        block[2] = 5f;
        var t = MxBlock.Quantize(block, 1, 32, MxElementType.Fp4E2M1);
        Assert.Equal(127, t.Scales[0]);
        var d = MxBlock.Dequantize(t);
        Assert.Equal(new[] { 6f, -6f, 4f }, d.Take(3).ToArray());

        // MXFP8 E4M3: amax 500 -> X = 2^(8-8) = 1; 500 saturates to 448 (relative error 0.104 > 2^-4).
        block[0] = 500f;
        var t8 = MxBlock.Quantize(block, 1, 32, MxElementType.Fp8E4M3);
        Assert.Equal(127, t8.Scales[0]);
        Assert.Equal(448f, MxBlock.Dequantize(t8)[0]);
        Assert.True(Math.Abs(448f - 500f) <= FormatInfo.MxFp8E4M3.ErrorBound(500f, 1));
    }

    [Fact]
    public void AllZeroBlockGetsTheSmallestScaleAndDecodesToZero()
    {
        foreach (MxElementType type in Enum.GetValues(typeof(MxElementType)))
        {
            var t = MxBlock.Quantize(new float[64], 2, 32, type);
            Assert.Equal(new byte[] { 0, 0 }, t.Scales);
            Assert.All(MxBlock.Dequantize(t), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void NaNOrInfinityPoisonsOnlyItsBlock()
    {
        foreach (MxElementType type in Enum.GetValues(typeof(MxElementType)))
        {
            foreach (float special in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                var data = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
                data[40] = special;
                var t = MxBlock.Quantize(data, 1, 64, type);
                Assert.Equal(E8M0.NaN, t.Scales[1]);
                Assert.NotEqual(E8M0.NaN, t.Scales[0]);
                var d = MxBlock.Dequantize(t);
                Assert.All(d.Skip(32), v => Assert.True(float.IsNaN(v)));
                Assert.All(d.Take(32), v => Assert.False(float.IsNaN(v)));
            }
        }
    }

    [Fact]
    public void TinyBlocksClampTheScaleAtTwoToMinus127()
    {
        var data = new float[32];
        data[0] = 1e-40f;                  // binary32 subnormal
        data[1] = float.Epsilon;
        var t = MxBlock.Quantize(data, 1, 32, MxElementType.Fp8E4M3);
        Assert.Equal(0, t.Scales[0]);       // floor(log2 1e-40) - 8 = -141, clamped to -127
        var d = MxBlock.Dequantize(t);
        // 1e-40 * 2^127 = 0.0170 is an E4M3 normal: error within 2^-4 relative.
        Assert.True(Math.Abs(d[0] - 1e-40f) <= FormatInfo.MxFp8E4M3.ErrorBound(1e-40f, E8M0.Decode(0)));
        Assert.Equal(0f, d[1]);
    }

    [Fact]
    public void HugeBlocksStayFinite()
    {
        var data = new float[32];
        data[0] = float.MaxValue;
        data[1] = -3e38f;
        foreach (MxElementType type in Enum.GetValues(typeof(MxElementType)))
        {
            var t = MxBlock.Quantize(data, 1, 32, type);
            Assert.Equal(127 + 127 - MxBlock.ElementMaxExponent(type), t.Scales[0]);
            var d = MxBlock.Dequantize(t);
            Assert.True(float.IsFinite(d[0]) && float.IsFinite(d[1]));
            var info = FormatInfo.ForMx(type);
            Assert.True(Math.Abs((double)d[0] - data[0]) <= info.ErrorBound(data[0], E8M0.Decode(t.Scales[0])));
        }
    }

    [Fact]
    public void PartialLastBlockUsesOnlyItsOwnElements()
    {
        // 40 columns: block 0 holds columns 0..31, block 1 the 8 columns 32..39.
        var data = new float[80];
        for (int i = 0; i < 80; i++) data[i] = i % 40 < 32 ? 1000f : 0.75f;
        var t = MxBlock.Quantize(data, 2, 40, MxElementType.Fp4E2M1);
        Assert.Equal(2, t.Layout.BlocksPerRow);
        Assert.Equal(20, t.RowBytes);
        Assert.Equal(new byte[] { 127 + 9 - 2, 127 - 1 - 2, 127 + 9 - 2, 127 - 1 - 2 }, t.Scales);
        var d = MxBlock.Dequantize(t);
        Assert.Equal(0.75f, d[39]);   // 0.75 / 2^-3 = 6 exactly
        Assert.Equal(0.75f, d[79]);
    }

    [Fact]
    public void RejectsMismatchedShapes() =>
        Assert.Throws<ArgumentException>(() => MxBlock.Quantize(new float[10], 3, 4, MxElementType.Fp4E2M1));
}
