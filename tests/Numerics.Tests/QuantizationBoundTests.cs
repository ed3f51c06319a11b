using System;

namespace GraphDsl.Numerics.Tests;

/// <summary>Quantize -> dequantize error of every format stays within the bound FormatInfo states.</summary>
public class QuantizationBoundTests
{
    // Asserts the bound and returns error / bound, so callers can also check that the bound is nearly reached.
    private static double AssertWithin(FormatInfo info, double x, double y, double blockScale, double tensorScale = 0, double slack = 0)
    {
        double bound = info.ErrorBound(x, blockScale, tensorScale) * (1 + slack);
        double error = Math.Abs(y - x);
        Assert.True(error <= bound, $"{info}: {x:R} -> {y:R}, error {error:R} > bound {bound:R}");
        return bound == 0 ? 0 : error / bound;
    }

    [Fact]
    public void ScalarFormatsStayWithinTheirBounds()
    {
        var rng = new Random(99);
        var worst = new double[5];
        void Track(int k, double ratio) => worst[k] = Math.Max(worst[k], ratio);
        for (int i = 0; i < 400_000; i++)
        {
            float x = TestValues.LogUniform(rng, -150, 128);
            if (Math.Abs(x) <= Bf16.MaxFinite) Track(0, AssertWithin(FormatInfo.Bf16, x, Bf16.Decode(Bf16.Encode(x)), 1));
            if (Math.Abs(x) <= 65504f) Track(1, AssertWithin(FormatInfo.Fp16, x, Fp16.Decode(Fp16.Encode(x)), 1));
            if (Math.Abs(x) <= 448f) Track(2, AssertWithin(FormatInfo.Fp8E4M3, x, Fp8E4M3.Decode(Fp8E4M3.Encode(x)), 1));
            if (Math.Abs(x) <= 57344f) Track(3, AssertWithin(FormatInfo.Fp8E5M2, x, Fp8E5M2.Decode(Fp8E5M2.Encode(x)), 1));
            if (Math.Abs(x) <= 6f) Track(4, AssertWithin(FormatInfo.Fp4E2M1, x, Fp4E2M1.Decode(Fp4E2M1.Encode(x)), 1));
        }
        // The bounds are tight, not merely true: random data gets close to each of them.
        Assert.All(worst, w => Assert.True(w > 0.75, string.Join(", ", worst)));
    }

    // Rows of blocks with very different magnitudes, plus blocks of zeros, a NaN, huge and tiny values,
    // and huge and tiny values mixed in one block.
    private static float[] SpecialMatrix(Random rng, int rows, int cols, int blockSize, out int nanRow)
    {
        var data = new float[rows * cols];
        nanRow = rows - 1;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                int block = c / blockSize;
                float v;
                switch (r % 6)
                {
                    case 0: v = TestValues.LogUniform(rng, -4 + block, 4 + block); break;
                    case 1: v = (block % 2 == 0) ? 0f : TestValues.LogUniform(rng, -8, 8); break;       // zero blocks
                    case 2: v = TestValues.LogUniform(rng, 100, 128); break;                            // huge
                    case 3: v = TestValues.LogUniform(rng, -149, -110); break;                          // tiny, subnormals included
                    case 4: v = c % 7 == 0 ? TestValues.LogUniform(rng, 120, 128) : TestValues.LogUniform(rng, -140, 0); break; // mixed
                    default: v = TestValues.LogUniform(rng, -30, 30); break;
                }
                data[r * cols + c] = v;
            }
        }
        data[nanRow * cols + 1] = float.NaN;
        return data;
    }

    [Theory]
    [InlineData(MxElementType.Fp4E2M1)]
    [InlineData(MxElementType.Fp8E4M3)]
    [InlineData(MxElementType.Fp8E5M2)]
    public void MxFormatsStayWithinTheirBounds(MxElementType type)
    {
        var rng = new Random(320 + (int)type);
        const int rows = 24, cols = 200; // 6 full blocks and one of 8
        var data = SpecialMatrix(rng, rows, cols, MxBlock.BlockSize, out int nanRow);
        var t = MxBlock.Quantize(data, rows, cols, type);
        var d = MxBlock.Dequantize(t);
        var info = FormatInfo.ForMx(type);
        double worst = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                if (r == nanRow && c < MxBlock.BlockSize) { Assert.True(float.IsNaN(d[i])); continue; }
                Assert.True(float.IsFinite(d[i]));
                worst = Math.Max(worst, AssertWithin(info, data[i], d[i], E8M0.Decode(t.ScaleCode(r, c))));
            }
        }
        Assert.True(worst > 0.75, worst.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NvFp4StaysWithinItsBound()
    {
        var rng = new Random(416);
        const int rows = 24, cols = 200; // 12 full blocks and one of 8
        // Two tensors: one with huge rows (tiny blocks then hit the tensor floor) and one without.
        double worst = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            var data = SpecialMatrix(rng, rows, cols, NvFp4.BlockSize, out int nanRow);
            if (pass == 1)
                for (int i = 0; i < data.Length; i++)
                    if (float.IsFinite(data[i]) && Math.Abs(data[i]) > 1e6f) data[i] = TestValues.LogUniform(rng, -10, 10);
            var t = NvFp4.Quantize(data, rows, cols);
            var d = NvFp4.Dequantize(t);
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    int i = r * cols + c;
                    if (r == nanRow && c < NvFp4.BlockSize) { Assert.True(float.IsNaN(d[i])); continue; }
                    Assert.True(float.IsFinite(d[i]));
                    double s = NvFp4.EffectiveScale(t.ScaleCode(r, c), t.TensorScale);
                    // binary32 rounding of x / S and of q * S adds a few ulps on top of the format's bound.
                    worst = Math.Max(worst, AssertWithin(FormatInfo.NvFp4, data[i], d[i], s, t.TensorScale, slack: 1e-6));
                }
            }
        }
        Assert.True(worst > 0.75, worst.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
