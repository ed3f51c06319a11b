using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Types;
using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>act_dtype: how a GEMM reads its input. FP8 scales each row to the format's range (per-token
/// dynamic scaling), so a row's largest magnitude maps to 448 (E4M3) and comes back exact; bf16 rounds.</summary>
public class ActivationRoundingTests
{
    [Fact]
    public void Fp8_scales_each_row_so_its_largest_value_survives_exactly()
    {
        var x = Of(S(2, 3), 0.001f, -0.003f, 0.002f, 1000f, 10f, -250f);
        var y = ActivationRounding.Apply(x, DType.Fp8E4M3).Data;
        Assert.Equal(-0.003f, y[1]);
        Assert.Equal(1000f, y[3]);
        // Without the scale 0.001 would be an FP8 subnormal and 1000 would saturate at 448.
        Assert.InRange(y[0], 0.001f * (1 - 1f / 16), 0.001f * (1 + 1f / 16));
        Assert.InRange(y[5], -250f * (1 + 1f / 16), -250f * (1 - 1f / 16));
    }

    [Fact]
    public void Zero_rows_stay_zero_and_non_finite_rows_become_nan()
    {
        var y = ActivationRounding.Apply(Of(S(2, 2), 0f, 0f, 1f, float.PositiveInfinity), DType.Fp8E4M3).Data;
        Assert.Equal(new[] { 0f, 0f }, new[] { y[0], y[1] });
        Assert.True(float.IsNaN(y[2]) && float.IsNaN(y[3]));
    }

    [Fact]
    public void Bf16_rounds_to_nearest_even()
    {
        var y = ActivationRounding.Apply(Of(S(2), 1.00390625f, 1.01171875f), DType.BF16).Data;
        Assert.Equal(new[] { 1f, 1.015625f }, y);
    }

    [Fact]
    public void A_matmul_with_act_dtype_multiplies_the_rounded_input()
    {
        var graph = "%0 = core.input {name = \"x\"} : f32[1, 2]\n%1 = core.input {name = \"w\"} : f32[2, 1]\n" +
                    "%2 = nn.matmul %0, %1 {act_dtype = !fp8_e4m3} : f32[1, 1]\ncore.output %2 {name = \"y\"}";
        // Row amax 448 gives scale 1: 0.3 rounds to 0.3125 in E4M3, 448 stays.
        var y = OpHarness.Y(graph, ("x", Of(S(1, 2), 0.3f, 448f)), ("w", Of(S(2, 1), 1f, 1f)));
        Assert.Equal(448.3125f, y.Data[0]);
    }
}
