using System;
using System.Linq;

namespace GraphDsl.Numerics.Tests;

public class NvFp4Tests
{
    [Fact]
    public void BlockScaleIsAmaxOverSixInTheE4M3Grid()
    {
        Assert.Equal(0x38, NvFp4.ScaleForAbsMax(6f, 1f));   // 1.0
        Assert.Equal(0x40, NvFp4.ScaleForAbsMax(12f, 1f));  // 2.0
        // 5/6 = 0.8333 lies between 0.8125 (1.101b * 2^-1) and 0.875; nearer 0.8125 -> code 0.0110.101.
        Assert.Equal(0x35, NvFp4.ScaleForAbsMax(5f, 1f));
        Assert.Equal(0.8125f, Fp8E4M3.Decode(0x35));
        // With T = 0.5 the block scale doubles in the E4M3 domain.
        Assert.Equal(0x40, NvFp4.ScaleForAbsMax(6f, 0.5f));
    }

    [Fact]
    public void RoundedDownScaleSaturatesTheBlockMaximum()
    {
        var data = new float[16];
        data[0] = 5f;
        data[1] = 1f;
        var t = NvFp4.Quantize(data, 1, 16, 1f);
        Assert.Equal(0x35, t.Scales[0]);
        var d = NvFp4.Dequantize(t);
        Assert.Equal(6f * 0.8125f, d[0]);                 // 5 / 0.8125 = 6.15 -> saturates to 6
        Assert.Equal(0.8125f, d[1]);                      // 1 / 0.8125 = 1.23 -> 1
        Assert.True(Math.Abs(d[0] - 5f) <= FormatInfo.NvFp4.ErrorBound(5f, 0.8125f, 1f));
    }

    [Fact]
    public void TensorScaleMapsTheTensorAmaxOntoSixTimes448()
    {
        Assert.Equal(1f, NvFp4.ComputeTensorScale(new[] { 0f, -2688f, 3f }));
        Assert.Equal(26.88f / 2688f, NvFp4.ComputeTensorScale(new[] { 26.88f, float.NaN, 1f }));
        Assert.Equal(1f, NvFp4.ComputeTensorScale(new float[8]));
        // The largest block then gets block scale 448 exactly.
        var data = Enumerable.Range(0, 32).Select(i => i == 3 ? -2688f : i).Select(v => (float)v).ToArray();
        var t = NvFp4.Quantize(data, 1, 32);
        Assert.Equal(1f, t.TensorScale);
        Assert.Equal(Fp8E4M3.MaxFiniteCode, t.Scales[0]);
        Assert.Equal(-2688f, NvFp4.Dequantize(t)[3]);
    }

    [Fact]
    public void ExactValuesSurviveWhenTheScaleIsOne()
    {
        var data = new[] { 0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f, 0f };
        var t = NvFp4.Quantize(data, 1, 16, 1f);
        Assert.Equal(data, NvFp4.Dequantize(t));
        // Element 2i in the low nibble: (0, 0.5) -> 0x10, (1, 1.5) -> 0x32.
        Assert.Equal(0x10, t.Data[0]);
        Assert.Equal(0x32, t.Data[1]);
    }

    [Fact]
    public void SpecialBlocks()
    {
        var data = new float[64];
        for (int i = 0; i < 16; i++) data[i] = i;          // block 0: ordinary
        // block 1 stays all zero
        data[33] = float.NaN;                               // block 2: NaN
        data[48] = 1e-4f;                                   // block 3: scale underflows to 0 at T = 1
        var t = NvFp4.Quantize(data, 1, 64, 1f);
        Assert.Equal(0, t.Scales[1]);
        Assert.True(Fp8E4M3.IsNaN(t.Scales[2]));
        Assert.Equal(0, t.Scales[3]);
        var d = NvFp4.Dequantize(t);
        Assert.All(d.Skip(16).Take(16), v => Assert.Equal(0f, v));
        Assert.All(d.Skip(32).Take(16), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(0f, d[48]);
        Assert.True(1e-4 <= FormatInfo.NvFp4.ErrorBound(1e-4, 0, 1)); // covered by the tensor floor 6 * 2^-10 * T
    }

    [Fact]
    public void PartialLastBlock()
    {
        var data = Enumerable.Range(0, 20).Select(i => i < 16 ? 100f : 3f).ToArray();
        var t = NvFp4.Quantize(data, 1, 20, 1f);
        Assert.Equal(2, t.Layout.BlocksPerRow);
        Assert.Equal(10, t.RowBytes);
        Assert.Equal(0x30, t.Scales[1]);                    // 3/6 = 0.5 exactly
        Assert.Equal(3f, NvFp4.Dequantize(t)[19]);
    }

    [Fact]
    public void RejectsNonPositiveTensorScale() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NvFp4.Quantize(new float[16], 1, 16, 0f));
}
