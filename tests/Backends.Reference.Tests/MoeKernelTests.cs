using System;
using System.Linq;
using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Routing and experts against hand-computed cases (1e-6 for weights, 1e-5 for expert outputs).</summary>
public class MoeKernelTests
{
    private static (Tensor Weights, Tensor Indices) Route(float[] logits, string attrs, int k, float[]? bias = null)
    {
        int e = logits.Length;
        var graph = $"%0 = core.input {{name = \"l\"}} : f32[1, {e}]\n" +
            (bias is null
                ? $"%2, %3 = moe.route %0 {{{attrs}}} : f32[1, {k}], i32[1, {k}]\n"
                : $"%1 = core.input {{name = \"b\"}} : f32[{e}]\n%2, %3 = moe.route %0, bias=%1 {{{attrs}}} : f32[1, {k}], i32[1, {k}]\n") +
            "core.output %2 {name = \"w\"}\ncore.output %3 {name = \"i\"}";
        var inputs = bias is null
            ? new[] { ("l", Of(S(1, e), logits)) }
            : new[] { ("l", Of(S(1, e), logits)), ("b", Of(S(e), bias)) };
        var outputs = OpHarness.Run(graph, inputs);
        return (outputs["w"], outputs["i"]);
    }

    [Fact]
    public void Softmax_routing_picks_the_top_k_with_ties_to_the_lower_index()
    {
        // softmax([0, ln 2, ln 3, ln 2]) = [1, 2, 3, 2] / 8: expert 2, then 1 and 3 tie and 1 wins.
        var logits = new[] { 0f, (float)Math.Log(2), (float)Math.Log(3), (float)Math.Log(2) };
        var raw = Route(logits, "top_k = 2, norm_topk = false", 2);
        Assert.Equal(new float[] { 2, 1 }, raw.Indices.Data);
        Near(new[] { 0.375, 0.25 }, raw.Weights.Data, 1e-6);
        var normalized = Route(logits, "top_k = 2, scale = 2.0", 2);
        Near(new[] { 1.2, 0.8 }, normalized.Weights.Data, 1e-6);
    }

    [Fact]
    public void Grouped_routing_with_selection_bias_follows_deepseek_v3()
    {
        // sigmoid scores s of logits [2, -1, 0, 0.5, 1, -2, -0.5, 0.3]; selection = s + bias
        // = [-0.119, 0.269, 0.7, 0.822, 0.931, 0.119, 0.978, 0.974]. Groups of 2 score [0.150, 1.522, 1.050, 1.952]:
        // groups 3 and 1 stay. Expert 4 (0.931) sits in a dropped group, so the top 3 are 6, 7, 3, and expert 0,
        // the best by score, lost to its bias. Weights are the scores without bias, normalized, times 2.5.
        var logits = new[] { 2f, -1, 0, 0.5f, 1, -2, -0.5f, 0.3f };
        var bias = new[] { -1f, 0, 0.2f, 0.2f, 0.2f, 0, 0.6f, 0.4f };
        var r = Route(logits, "top_k = 3, scoring = \"sigmoid\", groups = 4, topk_groups = 2, scale = 2.5", 3, bias);
        Assert.Equal(new float[] { 6, 7, 3 }, r.Indices.Data);
        Near(new[] { 0.5994830944394972, 0.9121363763329697, 0.9883805292275328 }, r.Weights.Data, 1e-6);
        // Without groups expert 4 would have been chosen.
        Assert.Equal(new float[] { 6, 7, 4 }, Route(logits, "top_k = 3, scoring = \"sigmoid\"", 3, bias).Indices.Data);
    }

    [Fact]
    public void A_group_scores_the_sum_of_its_two_best_experts()
    {
        // Group A = [0.9, 0.1, 0.5, 0.5] leads by its maximum and its sum, group B = [0.8, 0.75, 0.01, 0.01]
        // by its two best (1.55 against 1.4): B wins and its experts 4 and 5 are chosen.
        var p = new[] { 0.9, 0.1, 0.5, 0.5, 0.8, 0.75, 0.01, 0.01 };
        var logits = p.Select(x => (float)Math.Log(x / (1 - x))).ToArray();
        var r = Route(logits, "top_k = 2, scoring = \"sigmoid\", groups = 2, topk_groups = 1", 2);
        Assert.Equal(new float[] { 4, 5 }, r.Indices.Data);
    }

    private static Tensor Experts(string operands, string attrs, string extraInputs, params (string, Tensor)[] inputs) =>
        OpHarness.Y("%0 = core.input {name = \"x\"} : f32[1, 2]\n%1 = core.input {name = \"rw\"} : f32[1, " + inputs.First(i => i.Item1 == "rw").Item2.LastDim +
            "]\n%2 = core.input {name = \"ri\"} : i32[1, " + inputs.First(i => i.Item1 == "ri").Item2.LastDim + "]\n" + extraInputs +
            $"%9 = moe.experts %0, %1, %2, {operands} {{{attrs}}} : f32[1, 2]\ncore.output %9 {{name = \"y\"}}", inputs);

    private const string GatedInputs =
        "%3 = core.input {name = \"up\"} : f32[2, 2, 2]\n%4 = core.input {name = \"down\"} : f32[2, 2, 2]\n%5 = core.input {name = \"gate\"} : f32[2, 2, 2]\n";

    // Expert 0: gate = up = down = identity. Expert 1: gate swaps the inputs, up doubles them, down = identity.
    private static readonly Tensor Up = Of(S(2, 2, 2), 1, 0, 0, 1, 2, 0, 0, 2);
    private static readonly Tensor Gate = Of(S(2, 2, 2), 1, 0, 0, 1, 0, 1, 1, 0);
    private static readonly Tensor Down = Of(S(2, 2, 2), 1, 0, 0, 1, 1, 0, 0, 1);

    [Fact]
    public void Gated_experts_sum_silu_gate_times_up_by_the_routing_weights()
    {
        // x = [1, 2]: expert 0 gives [silu(1), 2 silu(2)], expert 1 [2 silu(2), 4 silu(1)]; 0.25 * y1 + 0.75 * y0.
        var y = Experts("%3, %4, w_gate=%5", "", GatedInputs,
            ("x", Of(S(1, 2), 1, 2)), ("rw", Of(S(1, 2), 0.25f, 0.75f)), ("ri", Tensor.FromInts(S(1, 2), 1, 0)),
            ("up", Up), ("down", Down), ("gate", Gate));
        Near(new[] { 1.4290910119503861, 3.373449812563652 }, y.Data, 1e-5);
    }

    [Fact]
    public void Expert_biases_add_per_expert()
    {
        // b_down of expert 1 = [10, 20] adds 0.25 * [10, 20]; zero gate and up biases change nothing.
        var y = Experts("%3, %4, w_gate=%5, b_gate=%6, b_up=%7, b_down=%8", "",
            GatedInputs + "%6 = core.input {name = \"bg\"} : f32[2, 2]\n%7 = core.input {name = \"bu\"} : f32[2, 2]\n%8 = core.input {name = \"bd\"} : f32[2, 2]\n",
            ("x", Of(S(1, 2), 1, 2)), ("rw", Of(S(1, 2), 0.25f, 0.75f)), ("ri", Tensor.FromInts(S(1, 2), 1, 0)),
            ("up", Up), ("down", Down), ("gate", Gate), ("bg", Tensor.Zeros(2, 2)), ("bu", Tensor.Zeros(2, 2)), ("bd", Of(S(2, 2), 0, 0, 10, 20)));
        Near(new[] { 3.929091011950386, 8.373449812563653 }, y.Data, 1e-5);
    }

    [Fact]
    public void Plain_experts_apply_the_activation_to_the_up_projection()
    {
        // relu([1, -2] @ I + 0) = [1, 0]; @ [[1, 2], [3, 4]] = [1, 2]; + b_down [0.5, 0.5].
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[1, 2]\n%1 = core.input {name = \"rw\"} : f32[1, 1]\n%2 = core.input {name = \"ri\"} : i32[1, 1]\n" +
            "%3 = core.input {name = \"up\"} : f32[1, 2, 2]\n%4 = core.input {name = \"down\"} : f32[1, 2, 2]\n%5 = core.input {name = \"bd\"} : f32[1, 2]\n" +
            "%9 = moe.experts %0, %1, %2, %3, %4, b_down=%5 {act = \"relu\"} : f32[1, 2]\ncore.output %9 {name = \"y\"}",
            ("x", Of(S(1, 2), 1, -2)), ("rw", Of(S(1, 1), 1)), ("ri", Tensor.FromInts(S(1, 1), 0)),
            ("up", Of(S(1, 2, 2), 1, 0, 0, 1)), ("down", Of(S(1, 2, 2), 1, 2, 3, 4)), ("bd", Of(S(1, 2), 0.5f, 0.5f)));
        Near(new[] { 1.5, 2.5 }, y.Data, 1e-6);
    }

    [Fact]
    public void Swiglu_clamped_experts_use_the_clamped_gate_on_gate_and_up()
    {
        // x = [10, -1], identity weights: gate [7, -1] (clamped), up [7, -1]: [7 sigmoid(1.702 * 7) * 8, -sigmoid(-1.702) * 0].
        var identity = Of(S(1, 2, 2), 1, 0, 0, 1);
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[1, 2]\n%1 = core.input {name = \"rw\"} : f32[1, 1]\n%2 = core.input {name = \"ri\"} : i32[1, 1]\n" +
            "%3 = core.input {name = \"up\"} : f32[1, 2, 2]\n%4 = core.input {name = \"down\"} : f32[1, 2, 2]\n%5 = core.input {name = \"gate\"} : f32[1, 2, 2]\n" +
            "%9 = moe.experts %0, %1, %2, %3, %4, w_gate=%5 {act = \"swiglu_clamped\"} : f32[1, 2]\ncore.output %9 {name = \"y\"}",
            ("x", Of(S(1, 2), 10, -1)), ("rw", Of(S(1, 1), 1)), ("ri", Tensor.FromInts(S(1, 1), 0)),
            ("up", identity), ("down", identity), ("gate", identity));
        Near(new[] { 55.99962502642654, 0 }, y.Data, 1e-4);
    }

    [Fact]
    public void An_index_outside_the_experts_is_rejected_naming_the_op()
    {
        var e = Assert.Throws<InterpreterException>(() => Experts("%3, %4, w_gate=%5", "", GatedInputs,
            ("x", Of(S(1, 2), 1, 2)), ("rw", Of(S(1, 2), 0.5f, 0.5f)), ("ri", Tensor.FromInts(S(1, 2), 0, 2)),
            ("up", Up), ("down", Down), ("gate", Gate)));
        Assert.Contains("moe.experts", e.Message);
        Assert.Contains("expert 2", e.Message);
    }
}
