using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// Every kernel against the reference interpreter on random inputs of awkward sizes (never a multiple
/// of a tile: K = 67, N = 45, rows 1-5 and 37). Tolerance: 1e-5 of the output's scale for f32 math
/// (the kernels accumulate in f32, the reference in double); weights in a stored format decode to the
/// same values on both sides, so the formats get the same bound.
/// </summary>
public class KernelParityTests
{
    private const double F32 = 1e-5;

    private static void Check(string graph, WeightSet? weights, double tolerance, params (string Name, Tensor Value)[] inputs) =>
        GraphParity(Backend, graph, weights, tolerance, inputs);

    public static TheoryData<int, string> MatmulCases()
    {
        var data = new TheoryData<int, string>();
        foreach (var rows in new[] { 1, 3, 4, 5, 37 })
            foreach (var type in new[] { "f32", "bf16", "f16", "fp8_e4m3", "fp8_e5m2", "int8_g32", "int4_g32", "mxfp4", "mxfp8", "nvfp4" })
                data.Add(rows, type);
        return data;
    }

    [Theory]
    [MemberData(nameof(MatmulCases))]
    public void Matmul_against_a_stored_weight_in_each_format(int rows, string type)
    {
        // K = 96 for the block formats (whole 32-element blocks), 67 otherwise.
        int k = type.StartsWith("mx") || type.StartsWith("nv") || type.Contains("_g") ? 96 : 67, n = 45;
        var weights = new WeightSet { { "w", RandomTensor(2, k, n) } };
        Check($"%0 = core.input {{name = \"x\"}} : f32[{rows}, {k}]\n%1 = core.weight {{name = \"w\"}} : {type}[{k}, {n}]\n" +
              $"%2 = nn.matmul %0, %1 : f32[{rows}, {n}]\ncore.output %2 {{name = \"y\"}}", weights, F32, ("x", RandomTensor(1, rows, k)));
    }

    [Theory]
    [InlineData(1, "fp8_e4m3")]
    [InlineData(5, "fp8_e4m3")]
    [InlineData(3, "fp8_e5m2")]
    [InlineData(37, "bf16")]
    public void Matmul_reading_its_input_as_act_dtype(int rows, string act)
    {
        var weights = new WeightSet { { "w", RandomTensor(2, 67, 45) } };
        var x = RandomTensor(1, rows, 67);
        x.Data[3] = 0f;
        Check($"%0 = core.input {{name = \"x\"}} : f32[{rows}, 67]\n%1 = core.weight {{name = \"w\"}} : fp8_e4m3[67, 45]\n" +
              $"%2 = nn.matmul %0, %1 {{act_dtype = !{act}}} : f32[{rows}, 45]\ncore.output %2 {{name = \"y\"}}", weights, F32, ("x", x));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    public void Matmul_with_transposed_and_computed_weights(int rows)
    {
        var weights = new WeightSet { { "w", RandomTensor(3, 45, 67) } };
        Check($"%0 = core.input {{name = \"x\"}} : f32[{rows}, 67]\n%1 = core.weight {{name = \"w\"}} : bf16[45, 67]\n" +
              $"%2 = nn.matmul %0, %1 {{transpose_w = true}} : f32[{rows}, 45]\n%3 = core.input {{name = \"v\"}} : f32[67, 13]\n" +
              $"%4 = nn.matmul %0, %3 : f32[{rows}, 13]\ncore.output %2 {{name = \"t\"}}\ncore.output %4 {{name = \"a\"}}",
            weights, F32, ("x", RandomTensor(1, rows, 67)), ("v", RandomTensor(4, 67, 13)));
    }

    [Theory]
    [InlineData("nn.rmsnorm %0, %1 {eps = 1e-05}", 1)]
    [InlineData("nn.rmsnorm %0, %1 {eps = 1e-05}", 37)]
    [InlineData("nn.layernorm %0, %1, bias=%2 {eps = 1e-05}", 5)]
    [InlineData("nn.softmax %0", 9)]
    public void Norms_and_softmax_over_odd_rows(string op, int rows)
    {
        Check($"%0 = core.input {{name = \"x\"}} : f32[{rows}, 67]\n%1 = core.input {{name = \"w\"}} : f32[67]\n%2 = core.input {{name = \"b\"}} : f32[67]\n" +
              $"%3 = {op} : f32[{rows}, 67]\ncore.output %3 {{name = \"y\"}}", null, F32,
            ("x", RandomTensor(1, rows, 67)), ("w", RandomTensor(2, 67)), ("b", RandomTensor(3, 67)));
    }

    [Theory]
    [InlineData("nn.add")]
    [InlineData("nn.sub")]
    [InlineData("nn.mul")]
    public void Binary_ops_broadcast(string op)
    {
        Check($"%0 = core.input {{name = \"a\"}} : f32[3, 5, 7]\n%1 = core.input {{name = \"b\"}} : f32[5, 1]\n%2 = core.input {{name = \"c\"}} : f32[7]\n" +
              $"%3 = {op} %0, %1 : f32[3, 5, 7]\n%4 = {op} %2, %3 : f32[3, 5, 7]\ncore.output %4 {{name = \"y\"}}", null, 0,
            ("a", RandomTensor(1, 3, 5, 7)), ("b", RandomTensor(2, 5, 1)), ("c", RandomTensor(3, 7)));
    }

    [Theory]
    [InlineData("nn.silu", "")]
    [InlineData("nn.gelu", "")]
    [InlineData("nn.gelu_tanh", "")]
    [InlineData("nn.relu", "")]
    [InlineData("nn.sigmoid", "")]
    [InlineData("nn.tanh", "")]
    [InlineData("nn.relu2", "")]
    [InlineData("nn.softcap", " {cap = 2.5}")]
    [InlineData("nn.scale", " {factor = -0.75}")]
    [InlineData("nn.cast", " {dtype = !bf16}")]
    [InlineData("nn.cast", " {dtype = !f16}")]
    [InlineData("nn.cast", " {dtype = !fp8_e4m3}")]
    [InlineData("nn.cast", " {dtype = !fp8_e5m2}")]
    public void Pointwise_functions(string op, string attrs)
    {
        var x = new Tensor(new[] { 301 }, Random(301, 5, 8f));
        // 1e-6 absolute for the transcendental functions (f32 device math vs double).
        Check($"%0 = core.input {{name = \"x\"}} : f32[301]\n%1 = {op} %0{attrs} : f32[301]\ncore.output %1 {{name = \"y\"}}", null,
            op == "nn.cast" ? 0 : 1e-6, ("x", x));
    }

    [Fact]
    public void Clamped_swiglu()
    {
        Check("%0 = core.input {name = \"g\"} : f32[131]\n%1 = core.input {name = \"u\"} : f32[131]\n" +
              "%2 = nn.swiglu_clamped %0, %1 {alpha = 1.702, limit = 7.0} : f32[131]\ncore.output %2 {name = \"y\"}", null, 1e-6,
            ("g", new Tensor(new[] { 131 }, Random(131, 1, 10f))), ("u", new Tensor(new[] { 131 }, Random(131, 2, 10f))));
    }

    [Theory]
    [InlineData(" {theta = 10000.0}", 6)]
    [InlineData(" {theta = 500000.0, dims = 6}", 6)]
    [InlineData(" {theta = 500000.0, scaling = \"llama3\", factor = 8.0}", 6)]
    [InlineData(" {theta = 10000.0, scaling = \"linear\", factor = 4.0}", 1)]
    public void Rope_full_partial_and_scaled(string attrs, int seq)
    {
        Check($"%0 = core.input {{name = \"x\"}} : f32[2, {seq}, 3, 10]\n%1 = nn.rope %0{attrs} : f32[2, {seq}, 3, 10]\ncore.output %1 {{name = \"y\"}}", null, 1e-6,
            ("x", RandomTensor(1, 2, seq, 3, 10)));
    }

    [Fact]
    public void Shape_ops_split_concat_last_token_and_embedding()
    {
        var weights = new WeightSet { { "table", RandomTensor(9, 11, 7) } };
        Check("%0 = core.input {name = \"x\"} : f32[2, 5, 7]\n%1, %2 = nn.split %0 {sizes = [3, 4]} : f32[2, 5, 3], f32[2, 5, 4]\n" +
              "%3 = nn.concat %2, %1 : f32[2, 5, 7]\n%4 = nn.last_token %3 : f32[2, 1, 7]\n%5 = nn.reshape %4 {shape = [14]} : f32[14]\n" +
              "%6 = core.input {name = \"ids\"} : i32[2, 3]\n%7 = core.weight {name = \"table\"} : bf16[11, 7]\n%8 = nn.embedding %6, %7 : f32[2, 3, 7]\n" +
              "core.output %1 {name = \"a\"}\ncore.output %3 {name = \"c\"}\ncore.output %5 {name = \"l\"}\ncore.output %8 {name = \"e\"}", weights, 0,
            ("x", RandomTensor(1, 2, 5, 7)), ("ids", Tensor.FromInts(new[] { 2, 3 }, 10, 0, 3, 3, 7, 1)));
    }

    public static TheoryData<string, int, int> AttentionCases => new()
    {
        { "{causal = true}", 4, 2 }, { "{causal = true, window = 3}", 4, 1 }, { "{causal = false}", 2, 2 },
        { "{causal = true, softcap = 5.0, scale = 0.3}", 6, 3 },
    };

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void Prefill_attention_gqa_masks_and_softcap(string attrs, int hq, int hkv)
    {
        int s = 7, d = 9;
        Check($"%0 = core.input {{name = \"q\"}} : f32[2, {s}, {hq}, {d}]\n%1 = core.input {{name = \"k\"}} : f32[2, {s}, {hkv}, {d}]\n" +
              $"%2 = core.input {{name = \"v\"}} : f32[2, {s}, {hkv}, 5]\n%3 = nn.attention %0, %1, %2 {attrs} : f32[2, {s}, {hq}, 5]\n" +
              "core.output %3 {name = \"y\"}", null, F32,
            ("q", RandomTensor(1, 2, s, hq, d)), ("k", RandomTensor(2, 2, s, hkv, d)), ("v", RandomTensor(3, 2, s, hkv, 5)));
    }

    [Fact]
    public void Attention_with_sinks_over_a_windowed_cache_across_decode_steps()
    {
        var module = FromGraph(
            "%0 = core.input {name = \"q\"} : f32[batch, seq, 4, 6]\n%1 = core.input {name = \"k\"} : f32[batch, seq, 2, 6]\n" +
            "%2 = core.input {name = \"v\"} : f32[batch, seq, 2, 6]\n%3 = core.input {name = \"s\"} : f32[4]\n" +
            "%4 = kv.cache %1 {window = 4} : f32[batch, ctx, 2, 6]\n%5 = kv.cache %2 {window = 4, storage = !bf16} : f32[batch, ctx, 2, 6]\n" +
            "%6 = nn.attention %0, %4, %5, sinks=%3 {causal = true, window = 4} : f32[batch, seq, 4, 6]\ncore.output %6 {name = \"y\"}");
        var steps = new List<Dictionary<string, Tensor>>();
        int seed = 10;
        foreach (var seq in new[] { 5, 1, 1, 3, 1, 1 })
            steps.Add(new Dictionary<string, Tensor>
            {
                ["q"] = RandomTensor(seed++, 2, seq, 4, 6), ["k"] = RandomTensor(seed++, 2, seq, 2, 6),
                ["v"] = RandomTensor(seed++, 2, seq, 2, 6), ["s"] = RandomTensor(seed++, 4),
            });
        foreach (var (reference, device) in Both(module, new WeightSet(), steps.ToArray())) Near(reference["y"], device["y"], F32, "y");
    }

    public static TheoryData<int, string> RouteCases => new()
    {
        { 1, "{top_k = 2}" }, { 37, "{top_k = 3, norm_topk = false, scale = 2.5}" },
        { 5, "{top_k = 4, scoring = \"sigmoid\", groups = 4, topk_groups = 2}" },
    };

    [Theory]
    [MemberData(nameof(RouteCases))]
    public void Routing_top_k_with_groups_and_bias(int tokens, string attrs)
    {
        int k = int.Parse(attrs.Split("top_k = ")[1].Split(new[] { ',', '}' })[0]);
        Check($"%0 = core.input {{name = \"l\"}} : f32[{tokens}, 16]\n%1 = core.input {{name = \"b\"}} : f32[16]\n" +
              $"%2, %3 = moe.route %0, bias=%1 {attrs} : f32[{tokens}, {k}], i32[{tokens}, {k}]\n" +
              "core.output %2 {name = \"w\"}\ncore.output %3 {name = \"i\"}", null, 1e-6,
            ("l", RandomTensor(1, tokens, 16)), ("b", new Tensor(new[] { 16 }, Random(16, 2, 0.1f))));
    }

    public static TheoryData<int, string, string> ExpertCases()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var tokens in new[] { 1, 3, 37 })
        {
            data.Add(tokens, "silu", "gated");
            data.Add(tokens, "swiglu_clamped", "gated+bias");
            data.Add(tokens, "gelu", "plain+bias");
            data.Add(tokens, "silu", "gated+fp8act");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ExpertCases))]
    public void Routed_experts_at_decode_and_prefill(int tokens, string act, string form)
    {
        int e = 6, dim = 40, hidden = 24, k = 2;
        bool gated = form.StartsWith("gated"), bias = form.EndsWith("bias"), fp8 = form.EndsWith("fp8act");
        var weights = new WeightSet
        {
            { "router", RandomTensor(1, dim, e) }, { "up", RandomTensor(2, e, dim, hidden) }, { "down", RandomTensor(3, e, hidden, dim) },
            { "gate", RandomTensor(4, e, dim, hidden) }, { "bu", RandomTensor(5, e, hidden) }, { "bd", RandomTensor(6, e, dim) }, { "bg", RandomTensor(7, e, hidden) },
        };
        var operands = "%4, %5" + (gated ? ", w_gate=%6" : "") + (bias ? ", b_up=%7, b_down=%8" + (gated ? ", b_gate=%9" : "") : "");
        Check($"%0 = core.input {{name = \"x\"}} : f32[{tokens}, {dim}]\n%1 = core.weight {{name = \"router\"}} : f32[{dim}, {e}]\n" +
              $"%10 = nn.matmul %0, %1 : f32[{tokens}, {e}]\n%2, %3 = moe.route %10 {{top_k = {k}}} : f32[{tokens}, {k}], i32[{tokens}, {k}]\n" +
              $"%4 = core.weight {{name = \"up\"}} : bf16[{e}, {dim}, {hidden}]\n%5 = core.weight {{name = \"down\"}} : fp8_e4m3[{e}, {hidden}, {dim}]\n" +
              $"%6 = core.weight {{name = \"gate\"}} : bf16[{e}, {dim}, {hidden}]\n%7 = core.weight {{name = \"bu\"}} : f32[{e}, {hidden}]\n" +
              $"%8 = core.weight {{name = \"bd\"}} : f32[{e}, {dim}]\n%9 = core.weight {{name = \"bg\"}} : f32[{e}, {hidden}]\n" +
              $"%11 = moe.experts %0, %2, %3, {operands} {{act = \"{act}\"{(fp8 ? ", act_dtype = !fp8_e4m3" : "")}}} : f32[{tokens}, {dim}]\ncore.output %11 {{name = \"y\"}}",
            weights, F32, ("x", RandomTensor(8, tokens, dim)));
    }
}
