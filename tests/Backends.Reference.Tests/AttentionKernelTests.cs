using System;
using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Attention against hand-computed cases: GQA grouping, causal and window masks, sinks,
/// soft-capping, the T5 bias and MLA (1e-6 unless stated).</summary>
public class AttentionKernelTests
{
    private static Tensor Attend(int s, int t, int hq, int hkv, Tensor q, Tensor k, Tensor v, string attrs, params (string Name, Tensor Value)[] extra)
    {
        var extraInputs = "";
        var extraOperands = "";
        int n = 3;
        foreach (var (name, value) in extra)
        {
            extraInputs += $"%{n} = core.input {{name = \"{name}\"}} : f32{value.ShapeText}\n";
            extraOperands += $", {name}=%{n}";
            n++;
        }
        var graph = $"%0 = core.input {{name = \"q\"}} : f32[1, {s}, {hq}, 1]\n%1 = core.input {{name = \"k\"}} : f32[1, {t}, {hkv}, 1]\n" +
            $"%2 = core.input {{name = \"v\"}} : f32[1, {t}, {hkv}, 1]\n{extraInputs}" +
            $"%{n} = nn.attention %0, %1, %2{extraOperands} {{{attrs}}} : f32[1, {s}, {hq}, 1]\ncore.output %{n} {{name = \"y\"}}";
        var inputs = new (string, Tensor)[3 + extra.Length];
        inputs[0] = ("q", q); inputs[1] = ("k", k); inputs[2] = ("v", v);
        extra.CopyTo(inputs, 3);
        return OpHarness.Y(graph, inputs);
    }

    [Fact]
    public void Query_heads_share_kv_heads_in_consecutive_groups()
    {
        // 4 query heads over 2 kv heads: heads 0 and 1 read kv head 0, heads 2 and 3 kv head 1.
        // q = ln 3 with scale 1: kv head 0 keys [0, 1] give weights [1/4, 3/4] over v [10, 20] = 17.5;
        // kv head 1 keys [1, 0] give [3/4, 1/4] over v [100, 200] = 125.
        float l3 = (float)Math.Log(3);
        var y = Attend(1, 2, 4, 2, Of(S(1, 1, 4, 1), l3, l3, l3, l3),
            Of(S(1, 2, 2, 1), 0, 1, 1, 0), Of(S(1, 2, 2, 1), 10, 100, 20, 200), "causal = false, scale = 1.0");
        Near(new[] { 17.5, 17.5, 125, 125 }, y.Data, 1e-5);
    }

    [Theory]
    // Equal logits: each query averages the values it sees, v = [1, 2, 3, 4] at positions 0..3.
    [InlineData("causal = true", new[] { 1, 1.5, 2, 2.5 })]
    [InlineData("causal = true, window = 2", new[] { 1, 1.5, 2.5, 3.5 })]
    [InlineData("causal = false", new[] { 2.5, 2.5, 2.5, 2.5 })]
    // Without causality the window still drops keys at or before p - window, and keeps all later ones.
    [InlineData("causal = false, window = 2", new[] { 2.5, 2.5, 3, 3.5 })]
    public void Causal_and_window_masks_select_keys_by_position(string attrs, double[] expected)
    {
        var y = Attend(4, 4, 1, 1, Tensor.Zeros(1, 4, 1, 1), Tensor.Zeros(1, 4, 1, 1), Of(S(1, 4, 1, 1), 1, 2, 3, 4), attrs);
        Near(expected, y.Data, 1e-6);
    }

    [Fact]
    public void A_sink_joins_the_normalization_without_a_value()
    {
        // Two equal logits 0 and a sink logit ln 2: weights 1/4, 1/4 (and 1/2 on the sink) over v [4, 8] = 3.
        var y = Attend(1, 2, 1, 1, Tensor.Zeros(1, 1, 1, 1), Tensor.Zeros(1, 2, 1, 1), Of(S(1, 2, 1, 1), 4, 8), "causal = false",
            ("sinks", Of(S(1), (float)Math.Log(2))));
        Near(new[] { 3.0 }, y.Data, 1e-6);
    }

    [Fact]
    public void Softcap_bounds_the_logits_with_tanh()
    {
        // Logits [0, 4] capped at 2: [0, 2 tanh 2]; over v [0, 1] that is sigmoid(2 tanh 2) = 0.87303.
        var y = Attend(1, 2, 1, 1, Of(S(1, 1, 1, 1), 1), Of(S(1, 2, 1, 1), 0, 4), Of(S(1, 2, 1, 1), 0, 1), "causal = false, scale = 1.0, softcap = 2.0");
        Near(new[] { 0.8730339992227998 }, y.Data, 1e-6);
    }

    [Fact]
    public void Relative_bias_is_added_by_t5_bucket_of_key_minus_query_position()
    {
        // 4 bidirectional buckets: 0 for the same position, 1 for a key one behind, 3 for a key one ahead.
        // bias = [0, ln 3, 7, ln 2]; query 0 sees [0, ln 2] -> weights [1/3, 2/3] over v [3, 6] = 5;
        // query 1 sees [ln 3, 0] -> [3/4, 1/4] = 3.75.
        var bias = Of(S(4, 1), 0, (float)Math.Log(3), 7, (float)Math.Log(2));
        var y = Attend(2, 2, 1, 1, Tensor.Zeros(1, 2, 1, 1), Tensor.Zeros(1, 2, 1, 1), Of(S(1, 2, 1, 1), 3, 6), "causal = false, scale = 1.0",
            ("rel_bias", bias));
        Near(new[] { 5, 3.75 }, y.Data, 1e-5);
    }

    [Fact]
    public void Mla_expands_the_latent_per_head_and_adds_the_shared_rope_key()
    {
        // w_kv_b [1, 2] = [2, 5]: k_nope = 2 c, v = 5 c; c = [1, 2], k_rope = [0, 1]; q_nope 0.5, q_rope 1.
        // Logits [0.5*2 + 0, 0.5*4 + 1] = [1, 3] -> (5 e^1 + 10 e^3) / (e^1 + e^3) = 9.40399 with scale 1,
        // and 9.02215 with the default 1/sqrt(dn + dr) = 1/sqrt(2).
        string Graph(string attrs) =>
            "%0 = core.input {name = \"qn\"} : f32[1, 1, 1, 1]\n%1 = core.input {name = \"qr\"} : f32[1, 1, 1, 1]\n" +
            "%2 = core.input {name = \"c\"} : f32[1, 2, 1]\n%3 = core.input {name = \"kr\"} : f32[1, 2, 1]\n%4 = core.input {name = \"w\"} : f32[1, 2]\n" +
            $"%5 = nn.mla_attention %0, %1, %2, %3, %4 {{v_dim = 1{attrs}}} : f32[1, 1, 1, 1]\ncore.output %5 {{name = \"y\"}}";
        (string, Tensor)[] inputs =
        {
            ("qn", Of(S(1, 1, 1, 1), 0.5f)), ("qr", Of(S(1, 1, 1, 1), 1)), ("c", Of(S(1, 2, 1), 1, 2)),
            ("kr", Of(S(1, 2, 1), 0, 1)), ("w", Of(S(1, 2), 2, 5)),
        };
        Near(new[] { 9.403985389889414 }, OpHarness.Y(Graph(", scale = 1.0"), inputs).Data, 1e-5);
        Near(new[] { 9.022148412534785 }, OpHarness.Y(Graph(""), inputs).Data, 1e-5);
    }

    [Fact]
    public void Mla_heads_read_their_own_columns_of_w_kv_b()
    {
        // Two heads, dn = dv = 1: columns [k0, v0, k1, v1] = [0, 1, 0, 3]; with k_nope = 0 and no rope
        // signal both keys are equally likely, so each head averages its own values: c = [1, 2] -> 1.5 and 4.5.
        var y = OpHarness.Y(
            "%0 = core.input {name = \"qn\"} : f32[1, 1, 2, 1]\n%1 = core.input {name = \"qr\"} : f32[1, 1, 2, 1]\n" +
            "%2 = core.input {name = \"c\"} : f32[1, 2, 1]\n%3 = core.input {name = \"kr\"} : f32[1, 2, 1]\n%4 = core.input {name = \"w\"} : f32[1, 4]\n" +
            "%5 = nn.mla_attention %0, %1, %2, %3, %4 {causal = false, v_dim = 1} : f32[1, 1, 2, 1]\ncore.output %5 {name = \"y\"}",
            ("qn", Of(S(1, 1, 2, 1), 1, 1)), ("qr", Of(S(1, 1, 2, 1), 0, 0)), ("c", Of(S(1, 2, 1), 1, 2)),
            ("kr", Of(S(1, 2, 1), 0, 0)), ("w", Of(S(1, 4), 0, 1, 0, 3)));
        Near(new[] { 1.5, 4.5 }, y.Data, 1e-6);
    }
}
