using System.Linq;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Tests.Types;

/// <summary>The format vocabulary: the spellings each role accepts (what the quantize pass and the CLI check against),
/// the math each element type computes in, and the fallbacks the cost model follows when a device lacks a math.</summary>
public class NumericFormatTests
{
    [Fact]
    public void Each_role_accepts_its_formats_with_their_aliases_in_order()
    {
        Assert.Equal("keep, bf16, f16, fp8, fp8-e4m3, fp8_e4m3, fp8-e5m2, fp8_e5m2, int8, int4, mxfp4, mxfp8, nvfp4",
            string.Join(", ", NumericFormat.Choices(FormatRoles.Weights)));
        Assert.Equal("keep, bf16, f16, fp8, fp8-e4m3, fp8_e4m3, fp8-e5m2, fp8_e5m2, int8, int4", string.Join(", ", NumericFormat.Choices(FormatRoles.Kv)));
        Assert.Equal("keep, bf16, fp8, fp8-e4m3, fp8_e4m3, fp8-e5m2, fp8_e5m2", string.Join(", ", NumericFormat.Choices(FormatRoles.Activations)));
        Assert.Equal("keep, bf16, fp8, int8, int4, mxfp4, nvfp4", NumericFormat.ListFor(FormatRoles.Weights, keep: true));
        Assert.Equal("bf16, fp8, int8", NumericFormat.ListFor(FormatRoles.Kv));
    }

    /// <summary>A format's spellings are element-type spellings of the IR too, naming the same type, so a format on the
    /// command line and the type printed in the IR cannot disagree.</summary>
    [Fact]
    public void Every_spelling_names_its_element_type_in_the_IR_as_well()
    {
        foreach (var f in NumericFormat.All)
            foreach (var s in f.Spellings)
            {
                Assert.True(DType.TryParse(s, out var t), s);
                Assert.Equal(f.Type, t);
                Assert.Same(f, NumericFormat.Find(s));
            }
        Assert.Null(NumericFormat.Find("fp3"));
        Assert.Null(NumericFormat.Find(NumericFormat.Keep));
        var spellings = NumericFormat.All.SelectMany(f => f.Spellings).ToList();
        Assert.Equal(spellings.Count, spellings.Distinct().Count());
    }

    [Theory]
    [InlineData("", "keep")]
    [InlineData("fp16", "f16")]     // TensorRT-LLM's tables
    [InlineData("fp4", "nvfp4")]
    [InlineData("fp8", "fp8")]
    [InlineData("bf16", "bf16")]
    [InlineData("mxfp4", "mxfp4")]
    [InlineData("fp8-e4m3", "fp8-e4m3")] // not a published spelling: left for the quantize pass to take as it is
    [InlineData("w4a16", "w4a16")]        // unknown: left for the quantize pass to refuse
    public void Published_spellings_map_to_the_quantize_pass_spelling(string published, string expected) =>
        Assert.Equal(expected, NumericFormat.FromPublished(published));

    [Theory]
    [InlineData("f32", "f32")]
    [InlineData("f16", "f16")]
    [InlineData("bf16", "bf16")]
    [InlineData("fp8_e4m3", "fp8")]
    [InlineData("fp8_e5m2", "fp8")]
    [InlineData("mxfp8", "fp8")]
    [InlineData("mxfp4", "fp4")]
    [InlineData("nvfp4", "fp4")]
    [InlineData("int8", "int8")]
    [InlineData("int4_g128", "int4")]
    [InlineData("int8_g64", "int8")]
    [InlineData("i32", "")]
    [InlineData("bool", "")]
    public void Each_element_type_computes_in_its_math(string dtype, string math) =>
        Assert.Equal(math, DType.Parse(dtype).Math?.Key ?? "");

    [Fact]
    public void Every_math_type_parses_from_its_key_and_its_fallbacks_reach_16_bit_math()
    {
        foreach (var m in MathType.All)
        {
            Assert.True(MathType.TryParse(m.Key, out var parsed));
            Assert.Same(m, parsed);
        }
        Assert.False(MathType.TryParse("fp16", out _));
        Assert.Equal("f32, tf32, bf16, f16, fp8, fp4, int8, int4", MathType.List(MathType.WithPeaks));
        // FP4 -> FP8 -> BF16 (docs/formats.md, "Native math formats per device").
        Assert.Same(MathType.Fp8, MathType.Fp4.EmulatedIn);
        Assert.Same(MathType.Bf16, MathType.Fp8.EmulatedIn);
        Assert.Equal(new[] { MathType.Fp8, MathType.Fp4 }, MathType.All.Where(m => m.IsNarrow));
        Assert.Equal(new[] { MathType.Int8, MathType.Int4 }, MathType.All.Where(m => m.IsWeightOnly));
        // Every peak fallback chain reaches bf16 or f16, which every device has one of.
        foreach (var m in MathType.WithPeaks)
        {
            var t = m;
            for (int i = 0; i < MathType.All.Count && t != MathType.Bf16 && t != MathType.F16; i++) t = t.PeakFallback!;
            Assert.True(t == MathType.Bf16 || t == MathType.F16, m.Key);
        }
        Assert.Same(MathType.F16, MathType.Bf16.PeakFallback);
        Assert.Same(MathType.Fp8Block, MathType.Fp8.KernelVariant);
    }
}
