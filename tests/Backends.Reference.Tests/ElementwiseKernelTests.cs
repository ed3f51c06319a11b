using System;
using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Elementwise ops against values computed by hand (or with Python's math module, 1e-6).</summary>
public class ElementwiseKernelTests
{
    private static Tensor Unary(string op, float[] x, string attrs = "")
    {
        var n = x.Length;
        return OpHarness.Y($"%0 = core.input {{name = \"x\"}} : f32[{n}]\n%1 = {op} %0{attrs} : f32[{n}]\ncore.output %1 {{name = \"y\"}}",
            ("x", Of(S(n), x)));
    }

    [Fact]
    public void Add_sub_mul_broadcast_from_the_trailing_axis()
    {
        var a = Of(S(2, 3), 1, 2, 3, 4, 5, 6);
        var add = OpHarness.Y("%0 = core.input {name = \"a\"} : f32[2, 3]\n%1 = core.input {name = \"b\"} : f32[3]\n" +
            "%2 = nn.add %0, %1 : f32[2, 3]\ncore.output %2 {name = \"y\"}", ("a", a), ("b", Of(S(3), 10, 20, 30)));
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, add.Data);

        var sub = OpHarness.Y("%0 = core.input {name = \"a\"} : f32[2, 3]\n%1 = core.input {name = \"b\"} : f32[2, 1]\n" +
            "%2 = nn.sub %0, %1 : f32[2, 3]\ncore.output %2 {name = \"y\"}", ("a", a), ("b", Of(S(2, 1), 1, 2)));
        Assert.Equal(new float[] { 0, 1, 2, 2, 3, 4 }, sub.Data);

        // [2, 1] * [1, 3] broadcasts both ways to [2, 3].
        var mul = OpHarness.Y("%0 = core.input {name = \"a\"} : f32[2, 1]\n%1 = core.input {name = \"b\"} : f32[1, 3]\n" +
            "%2 = nn.mul %0, %1 : f32[2, 3]\ncore.output %2 {name = \"y\"}", ("a", Of(S(2, 1), 2, 3)), ("b", Of(S(1, 3), 1, 10, 100)));
        Assert.Equal(new float[] { 2, 20, 200, 3, 30, 300 }, mul.Data);
    }

    [Fact]
    public void Activations_match_their_definitions()
    {
        Near(new[] { 0.7310585786300049, -0.2384058440442351 }, Unary("nn.silu", new float[] { 1, -2 }).Data, 1e-6);
        Near(new[] { 0.8413447460685429, -0.15865525393145707 }, Unary("nn.gelu", new float[] { 1, -1 }).Data, 1e-6);
        Near(new[] { 0.8411919906082768, -0.15428599017485606 }, Unary("nn.gelu_tanh", new float[] { 1, -0.5f }).Data, 1e-6);
        Assert.Equal(new float[] { 0, 0, 2.5f }, Unary("nn.relu", new float[] { -3, 0, 2.5f }).Data);
        // max(x, 0)^2: exact in f32 for these values.
        Assert.Equal(new float[] { 0, 0, 0.25f, 6.25f, 9 }, Unary("nn.relu2", new float[] { -3, 0, 0.5f, 2.5f, 3 }).Data);
        Near(new[] { 0.5, 1 / (1 + Math.Exp(-2)), 1 / (1 + Math.Exp(100)) }, Unary("nn.sigmoid", new float[] { 0, 2, -100 }).Data, 1e-7);
        Near(new[] { Math.Tanh(0.5), -1.0 }, Unary("nn.tanh", new float[] { 0.5f, -30 }).Data, 1e-7);
        Near(new[] { -3.0, 1.5 }, Unary("nn.scale", new float[] { 2, -1 }, " {factor = -1.5}").Data, 0);
        // cap * tanh(x / cap) with cap 2.
        Near(new[] { 1.8102965072897328, -0.48983732480741826 }, Unary("nn.softcap", new float[] { 3, -0.5f }, " {cap = 2.0}").Data, 1e-6);
    }

    [Fact]
    public void Swiglu_clamped_clamps_the_gate_above_and_the_up_projection_both_ways()
    {
        // g = min(gate, 7), u = clamp(up, -7, 7), g * sigmoid(1.702 g) * (u + 1):
        // (1, 0.5) -> 1.26869; (10, 9) -> 7 * sigmoid(11.914) * 8 = 55.99963; (-3, -8) -> -3 * sigmoid(-5.106) * -6 = 0.10843.
        var y = OpHarness.Y("%0 = core.input {name = \"g\"} : f32[3]\n%1 = core.input {name = \"u\"} : f32[3]\n" +
            "%2 = nn.swiglu_clamped %0, %1 : f32[3]\ncore.output %2 {name = \"y\"}",
            ("g", Of(S(3), 1, 10, -3)), ("u", Of(S(3), 0.5f, 9, -8)));
        Near(new[] { 1.268693648899232, 55.99962502642654, 0.10842785824671582 }, y.Data, 1e-5);
    }

    [Fact]
    public void Casts_keep_f32_storage_but_round_through_the_target_format()
    {
        // bf16 keeps 7 mantissa bits: 1 + 2^-8 ties to 1 (even), 1 + 3 * 2^-8 ties to 1 + 2^-6.
        Assert.Equal(new float[] { 1f, 1.015625f }, Unary("nn.cast", new float[] { 1.00390625f, 1.01171875f }, " {dtype = !bf16}").Data);
        // fp8 e4m3: 0.3 rounds to 0.3125, 500 saturates at 448.
        Assert.Equal(new float[] { 0.3125f, 448f, -448f }, Unary("nn.cast", new float[] { 0.3f, 500, -1e6f }, " {dtype = !fp8_e4m3}").Data);
        // f16 overflows to infinity like IEEE conversion; 1/3 rounds to 0.333251953125.
        Assert.Equal(new float[] { 0.333251953125f, float.PositiveInfinity }, Unary("nn.cast", new float[] { 1f / 3, 70000 }, " {dtype = !f16}").Data);
        Assert.Equal(new float[] { 2, -2, 0 }, Unary("nn.cast", new float[] { 2.7f, -2.7f, 0.4f }, " {dtype = !i32}").Data);
        Assert.Equal(new float[] { 1.5f, 2.25f }, Unary("nn.cast", new float[] { 1.5f, 2.25f }, " {dtype = !f32}").Data);
    }

    [Fact]
    public void Block_format_casts_quantize_along_the_last_axis()
    {
        // MXFP4 with one 32-element block: the block max 6 sets scale 1; 0.2 rounds to the FP4 grid (0 or 0.5).
        var x = new float[32];
        x[0] = 6; x[1] = 0.2f; x[2] = 2.9f;
        var y = Unary("nn.cast", x, " {dtype = !mxfp4}").Data;
        Assert.Equal(6f, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.Equal(3f, y[2]);
    }
}
