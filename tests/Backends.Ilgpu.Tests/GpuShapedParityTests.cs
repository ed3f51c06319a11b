using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// The kernels' GPU code paths, which the one-thread groups of the default CPU backend never take, run
/// on the CPU accelerator shaped like a GPU (32-thread warps, groups of 64): GEMM tiles loaded
/// cooperatively into shared memory between barriers, GEMV rows reduced across a warp with shuffles,
/// attention and norms reduced across a group. Same tolerances as the kernel tests.
/// </summary>
public class GpuShapedParityTests
{
    private static void Check(string graph, WeightSet? weights, double tolerance, params (string Name, Tensor Value)[] inputs) =>
        GraphParity(GpuShapedBackend, graph, weights, tolerance, inputs);

    [Theory]
    [InlineData(1, "bf16")]
    [InlineData(3, "int4_g32")]
    [InlineData(37, "fp8_e4m3")]
    [InlineData(70, "mxfp4")]
    public void Gemv_and_tiled_gemm(int rows, string type)
    {
        int k = 96, n = 45;
        var weights = new WeightSet { { "w", RandomTensor(2, k, n) } };
        Check($"%0 = core.input {{name = \"x\"}} : f32[{rows}, {k}]\n%1 = core.weight {{name = \"w\"}} : {type}[{k}, {n}]\n" +
              $"%2 = nn.matmul %0, %1 : f32[{rows}, {n}]\ncore.output %2 {{name = \"y\"}}", weights, 1e-5, ("x", RandomTensor(1, rows, k)));
    }

    [Fact]
    public void Norms_reduce_across_the_group()
    {
        Check("%0 = core.input {name = \"x\"} : f32[5, 131]\n%1 = core.input {name = \"w\"} : f32[131]\n%2 = core.input {name = \"b\"} : f32[131]\n" +
              "%3 = nn.rmsnorm %0, %1 {eps = 1e-05} : f32[5, 131]\n%4 = nn.layernorm %0, %1, bias=%2 {eps = 1e-05} : f32[5, 131]\n%5 = nn.softmax %0 : f32[5, 131]\n" +
              "core.output %3 {name = \"r\"}\ncore.output %4 {name = \"l\"}\ncore.output %5 {name = \"s\"}", null, 1e-5,
            ("x", RandomTensor(1, 5, 131)), ("w", RandomTensor(2, 131)), ("b", RandomTensor(3, 131)));
    }

    [Fact]
    public void Attention_over_more_keys_than_a_group_has_threads()
    {
        int s = 45;
        Check($"%0 = core.input {{name = \"q\"}} : f32[2, {s}, 4, 9]\n%1 = core.input {{name = \"k\"}} : f32[2, {s}, 2, 9]\n" +
              $"%2 = core.input {{name = \"v\"}} : f32[2, {s}, 2, 5]\n%3 = core.input {{name = \"sk\"}} : f32[4]\n" +
              $"%4 = nn.attention %0, %1, %2, sinks=%3 {{causal = true, window = 40, softcap = 5.0}} : f32[2, {s}, 4, 5]\ncore.output %4 {{name = \"y\"}}", null, 1e-5,
            ("q", RandomTensor(1, 2, s, 4, 9)), ("k", RandomTensor(2, 2, s, 2, 9)), ("v", RandomTensor(3, 2, s, 2, 5)), ("sk", RandomTensor(4, 4)));
    }

    [Theory]
    [InlineData("tiny-moe", "")]
    [InlineData("tiny-dense", "quantize{weights=fp8,activations=fp8},fuse")]
    public void A_whole_model_prefill_and_decode(string sample, string pipeline)
    {
        var source = Sample(sample);
        var weights = SeededWeights(source, seed: 3);
        var module = Apply(source, pipeline);
        var steps = new[]
        {
            new Dictionary<string, Tensor> { ["tokens"] = Tensor.FromInts(new[] { 1, 6 }, 5, 34, 63, 92, 121, 150) },
            new Dictionary<string, Tensor> { ["tokens"] = Tensor.FromInts(new[] { 1, 1 }, 7) },
        };
        foreach (var (reference, device) in Both(GpuShapedBackend, module, weights, steps)) Near(reference["logits"], device["logits"], 2e-4, "logits");
    }
}
