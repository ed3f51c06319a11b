using System;
using System.Linq;

namespace GraphDsl.Numerics.Tests;

public class FormatInfoTests
{
    [Theory]
    [InlineData("MXFP4", 4.25)]
    [InlineData("MXFP8-E4M3", 8.25)]
    [InlineData("MXFP8-E5M2", 8.25)]
    [InlineData("NVFP4", 4.5)]
    [InlineData("INT4-G128", 4.125)]
    [InlineData("INT8-G128", 8.125)]
    [InlineData("FP8-E4M3", 8.0)]
    [InlineData("BF16", 16.0)]
    public void EffectiveBitsIncludeScales(string name, double bits) =>
        Assert.Equal(bits, FormatInfo.All.Single(f => f.Name == name).EffectiveBitsPerElement);

    [Fact]
    public void AsymmetricIntCountsItsZeroPointByte()
    {
        Assert.Equal(4 + 24 / 128.0, FormatInfo.Int(4, 128, symmetric: false).EffectiveBitsPerElement);
        Assert.Equal("UINT4-G128", FormatInfo.Int(4, 128, symmetric: false).Name);
    }

    [Fact]
    public void MaxFiniteMatchesTheCodecs()
    {
        Assert.Equal(Fp8E4M3.Decode(Fp8E4M3.MaxFiniteCode), FormatInfo.Fp8E4M3.MaxFinite);
        Assert.Equal(Fp8E5M2.Decode(Fp8E5M2.MaxFiniteCode), FormatInfo.Fp8E5M2.MaxFinite);
        Assert.Equal(Fp4E2M1.Decode(Fp4E2M1.MaxFiniteCode), FormatInfo.Fp4E2M1.MaxFinite);
        Assert.Equal(Fp16.Decode(Fp16.MaxFiniteCode), FormatInfo.Fp16.MaxFinite);
        Assert.Equal(Bf16.Decode(0x7F7F), FormatInfo.Bf16.MaxFinite);
        Assert.Equal(7, FormatInfo.Int4Group128.MaxFinite);
    }

    [Fact]
    public void AbsoluteBoundsAreHalfTheSmallestSubnormal()
    {
        Assert.Equal(Fp8E4M3.SmallestSubnormal / 2.0, FormatInfo.Fp8E4M3.AbsoluteErrorBound);
        Assert.Equal(Fp8E5M2.SmallestSubnormal / 2.0, FormatInfo.Fp8E5M2.AbsoluteErrorBound);
        Assert.Equal(Fp4E2M1.SmallestSubnormal / 2.0, FormatInfo.Fp4E2M1.AbsoluteErrorBound);
        Assert.Equal(Fp16.Decode(1) / 2.0, FormatInfo.Fp16.AbsoluteErrorBound);
        Assert.Equal(Bf16.Decode(1) / 2.0, FormatInfo.Bf16.AbsoluteErrorBound);
    }

    [Fact]
    public void ErrorBoundTakesTheLargestTerm()
    {
        Assert.Equal(0.25 * 10, FormatInfo.MxFp4.ErrorBound(-10, 1));
        Assert.Equal(0.25 * 8, FormatInfo.MxFp4.ErrorBound(0.1, 8));
        Assert.Equal(6 * Math.Pow(2, -10) * 4, FormatInfo.NvFp4.ErrorBound(0, 0, 4));
        Assert.Equal(0.5 * 3, FormatInfo.Int4Group128.ErrorBound(100, 3));
    }
}
