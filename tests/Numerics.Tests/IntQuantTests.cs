using System;
using System.Linq;

namespace GraphDsl.Numerics.Tests;

public class IntQuantTests
{
    [Fact]
    public void SymmetricInt4HandWorked()
    {
        // amax 7 -> scale 7/7 = 1 (FP16 0x3C00); -3.5 ties to even -4.
        var t = IntQuant.Quantize(new[] { 7f, -3.5f, 1f, 0f }, 1, 4, 4, 4);
        Assert.Equal(new ushort[] { 0x3C00 }, t.Scales);
        Assert.Null(t.ZeroPoints);
        Assert.Equal(new[] { 7, -4, 1, 0 }, Enumerable.Range(0, 4).Select(c => t.Code(0, c)).ToArray());
        Assert.Equal(new byte[] { 0xC7, 0x01 }, t.Data);   // two's-complement nibbles, element 2i low
        Assert.Equal(new[] { 7f, -4f, 1f, 0f }, IntQuant.Dequantize(t));
    }

    [Fact]
    public void SymmetricInt8HandWorked()
    {
        var t = IntQuant.Quantize(new[] { -127f, 0.5f, 1.5f, 126.4f }, 1, 4, 8, 4);
        Assert.Equal(new ushort[] { 0x3C00 }, t.Scales);
        Assert.Equal(new byte[] { 0x81, 0x00, 0x02, 0x7E }, t.Data);
    }

    [Fact]
    public void ScaleIsTheSmallestFp16AtLeastRangeOverQmax()
    {
        var t = IntQuant.Quantize(new[] { 1f, -0.3f }, 1, 2, 4, 2);
        double scale = Fp16.Decode(t.Scales[0]);
        Assert.True(scale * 7 >= 1.0);
        Assert.True(Fp16.Decode((ushort)(t.Scales[0] - 1)) * 7 < 1.0);
        Assert.Equal(7, t.Code(0, 0));
    }

    [Fact]
    public void AsymmetricUint4HandWorked()
    {
        // [-5, 10]: range 15 -> scale 1, zero point 5.
        var t = IntQuant.Quantize(new[] { -5f, 10f, 0f, 2.5f }, 1, 4, 4, 4, symmetric: false);
        Assert.Equal(new ushort[] { 0x3C00 }, t.Scales);
        Assert.Equal(new byte[] { 5 }, t.ZeroPoints);
        Assert.Equal(new[] { 0, 15, 5, 7 }, Enumerable.Range(0, 4).Select(c => t.Code(0, c)).ToArray()); // 2.5 -> 2 (even) + 5
        Assert.Equal(new[] { -5f, 10f, 0f, 2f }, IntQuant.Dequantize(t));
    }

    [Fact]
    public void AsymmetricRangeAlwaysIncludesZero()
    {
        var t = IntQuant.Quantize(new[] { 2f, 3f }, 1, 2, 4, 2, symmetric: false);
        Assert.Equal(0, t.ZeroPoints![0]);
        Assert.True(Fp16.Decode(t.Scales[0]) * 15 >= 3);
    }

    [Fact]
    public void SpecialGroups()
    {
        var data = new float[12];
        data[4] = float.NaN;                // group 1 (cols 4..7)
        data[8] = 1e-12f; data[9] = -3e-12f; // group 2: below the FP16 subnormal step
        foreach (bool symmetric in new[] { true, false })
        {
            var t = IntQuant.Quantize(data, 1, 12, 4, 4, symmetric);
            Assert.Equal(0, t.Scales[0]);                   // all zeros
            Assert.True(Fp16.IsNaN(t.Scales[1]));
            Assert.Equal(1, t.Scales[2]);                   // smallest FP16 subnormal 2^-24
            var d = IntQuant.Dequantize(t);
            Assert.All(d.Take(4), v => Assert.Equal(0f, v));
            Assert.All(d.Skip(4).Take(4), v => Assert.True(float.IsNaN(v)));
            Assert.All(d.Skip(8), (v, i) => Assert.True(Math.Abs(v - data[8 + i]) <= Fp16.Decode(1) / 2));
        }
    }

    [Fact]
    public void ScalesSaturateAtFp16Max()
    {
        var t = IntQuant.Quantize(new[] { 1e7f, -1f }, 1, 2, 4, 2);
        Assert.Equal(Fp16.MaxFiniteCode, t.Scales[0]);
        Assert.Equal(7 * 65504f, IntQuant.Dequantize(t)[0]);
    }

    [Fact]
    public void PerChannelUsesOneGroupPerRow()
    {
        var data = new[] { 1f, 2f, 3f, -70f, 7f, 0f };
        var t = IntQuant.QuantizePerChannel(data, 2, 3, 8);
        Assert.Equal(3, t.GroupSize);
        Assert.Equal(2, t.Scales.Length);
        Assert.Equal(127, t.Code(0, 2));
        Assert.Equal(-127, t.Code(1, 0));
    }

    [Fact]
    public void PartialLastGroupAndRowPacking()
    {
        // 5 columns, groups of 2: 3 groups per row, the last one holding 1 column; rows of 3 bytes.
        var data = new[] { 7f, 7f, 14f, 14f, 7f, /* row 1 */ -7f, -7f, -14f, -14f, -7f };
        var t = IntQuant.Quantize(data, 2, 5, 4, 2);
        Assert.Equal(3, t.Layout.BlocksPerRow);
        Assert.Equal(3, t.RowBytes);
        Assert.Equal(7, t.Code(0, 4));
        Assert.Equal(-7, t.Code(1, 4));
        Assert.Equal(0x07, t.Data[2]);   // lone element of row 0 in the low nibble
        Assert.Equal(0x09, t.Data[5]);   // -7 = 1001b
        Assert.Equal(data, IntQuant.Dequantize(t));
    }

    [Fact]
    public void SignExtendsNibbles()
    {
        Assert.Equal(-8, IntQuant.SignExtend4(0x8));
        Assert.Equal(-1, IntQuant.SignExtend4(0xF));
        Assert.Equal(7, IntQuant.SignExtend4(0x7));
        Assert.Equal(0, IntQuant.SignExtend4(0x10));
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(8, true)]
    [InlineData(4, false)]
    [InlineData(8, false)]
    public void ErrorIsAtMostHalfAStepOnRandomData(int bits, bool symmetric)
    {
        var rng = new Random(bits * 10 + (symmetric ? 1 : 0));
        const int rows = 16, cols = 300; // groups of 128: two full, one of 44
        var data = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            int exponent = rng.Next(-20, 15);       // keeps range / qmax inside FP16
            for (int c = 0; c < cols; c++)
                data[r * cols + c] = r == 3 ? 0f : TestValues.LogUniform(rng, exponent - 12, exponent) + (r == 5 ? 5f * (float)Math.Pow(2, exponent) : 0f);
        }
        var t = IntQuant.Quantize(data, rows, cols, bits, 128, symmetric);
        var d = IntQuant.Dequantize(t);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                double scale = Fp16.Decode(t.Scales[t.GroupIndex(r, c)]);
                Assert.True(Math.Abs((double)d[i] - data[i]) <= scale / 2, $"[{r},{c}] {data[i]:R} -> {d[i]:R}, scale {scale:R}");
            }
        }
    }
}
