using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Tests;
using GraphDsl.Ir.Ops;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// Squared ReLU (<c>nn.relu2</c>) as a tiny decoder's MLP activation (plain FFN with biases: up, relu2, down, as in
/// Nemotron-H) on ILGPU against the reference, unfused (the unary kernel) and fused (the up projection's GEMM
/// epilogue applies the bias and relu2).
/// Tolerance 2e-4 of the logits' scale, as for the other model parity tests (f32 accumulation against double).
/// </summary>
public class SquaredReluTests
{
    /// <summary>The tiny GPT-J of the model parity tests with its MLP's activation replaced by relu2.</summary>
    private static readonly string TinyRelu2 = TinyModelSources.GptJ.Replace("act: \"gelu_tanh\"", "act: \"relu2\"");

    [Theory]
    [InlineData("")]
    [InlineData("fuse")]
    public void A_relu2_decoder_matches_the_reference_at_prefill_and_decode(string pipeline)
    {
        Assert.Contains("act: \"relu2\"", TinyRelu2);
        var module = FromSource(TinyRelu2, pipeline);
        var relu2 = module.WalkAll().Where(o => o.Def == NnOps.Relu2).ToList();
        Assert.NotEmpty(relu2);
        // Fused, the activation runs inside a kernel (the up projection's epilogue), not alone.
        Assert.Equal(pipeline == "fuse", relu2.All(o => o.ParentRegion?.Parent?.Def == FusedOps.Kernel));
        var weights = SeededWeights(module, seed: 5);
        var steps = new List<Dictionary<string, Tensor>>
        {
            new() { ["tokens"] = Tensor.FromInts(new[] { 2, 5 }, 1, 9, 17, 33, 60, 2, 4, 8, 16, 32) },
            new() { ["tokens"] = Tensor.FromInts(new[] { 2, 1 }, 7, 11) },
        };
        foreach (var (reference, device) in Both(module, weights, steps.ToArray()))
            Near(reference["logits"], device["logits"], 2e-4, "logits");
    }
}
