using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference;
using GraphDsl.Ir.Ops;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// Squared ReLU (<c>nn.relu2</c>) in a tiny Nemotron-H-shaped decoder (plain FFN: up, relu2, down) on ILGPU
/// against the reference, unfused (the unary kernel) and fused (the up projection's GEMM epilogue applies it).
/// Tolerance 2e-4 of the logits' scale, as for the other model parity tests (f32 accumulation against double).
/// </summary>
public class SquaredReluTests
{
    private const string TinyRelu2 = """
        import "std/norm"
        import "std/attention"
        import "std/ffn"
        model TinyRelu2 {
          param vocab = 64
          param d = 32
          dtype f32
          input tokens: i32[batch, seq]
          weight embed: [vocab, d]
          let x = nn.embedding(tokens, embed)
          repeat 2 as layers {
            x = x + attention(rmsnorm(x, name: "attn_norm"), heads: 4, kv_heads: 2, head_dim: 8, name: "attn")
            x = x + ffn(rmsnorm(x, name: "ffn_norm"), 48, act: "relu2", name: "mlp")
          }
          output logits = nn.matmul(rmsnorm(x, name: "norm"), embed, transpose_w: true)
        }
        """;

    [Theory]
    [InlineData("")]
    [InlineData("fuse")]
    public void A_relu2_decoder_matches_the_reference_at_prefill_and_decode(string pipeline)
    {
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
