using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference;
using GraphDsl.Ir.Graph;
using Xunit.Abstractions;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// Hybrid models through the reference interpreter and ILGPU, batch 2: a prefill of 7 tokens per sequence, then three
/// decode steps that read the recurrent state the earlier steps left: tiny-hybrid (gated DeltaNet and attention) and a
/// tiny Mamba-2 + Mamba-1 + attention model, unfused and fused. Tolerance 2e-4 of the logits' scale (f32 scans against
/// double), as for the other models.
/// </summary>
public class RecurrentParityTests
{
    private const double Tolerance = 2e-4;
    private readonly ITestOutputHelper _out;

    public RecurrentParityTests(ITestOutputHelper output) { _out = output; }

    /// <summary>Two Mamba-2 layers (4 heads of 16, 2 groups of B and C with 8 state dimensions, grouped norm), one
    /// Mamba-1-shaped scan (a decay per state dimension, head size 1) and one attention layer.</summary>
    private const string Mamba = """
        import "std/norm"
        import "std/attention"
        import "std/ssm"
        import "std/linear"
        model TinyMamba {
          param vocab = 97
          param d = 64
          dtype f32
          input tokens: i32[batch, seq]
          let x = embedding(tokens, vocab, d, name: "embed")
          repeat 2 as mamba_layers {
            x = x + mamba2(rmsnorm(x, name: "norm"), heads: 4, head_dim: 16, state: 8, groups: 2, chunk: 4, name: "mixer")
          }
          repeat 1 as mamba1_layers {
            weight w_in: [d, 32]
            weight w_dt: [d, 32]
            weight w_b: [d, 4]
            weight w_c: [d, 4]
            weight a_log: [32, 4]
            weight dt_bias: [32]
            weight w_out: [32, d]
            let h = rmsnorm(x, name: "norm")
            let xs = nn.reshape(nn.matmul(h, w_in), shape: [batch, seq, 32, 1])
            let bs = nn.reshape(nn.matmul(h, w_b), shape: [batch, seq, 1, 4])
            let cs = nn.reshape(nn.matmul(h, w_c), shape: [batch, seq, 1, 4])
            let y = nn.ssd(xs, nn.matmul(h, w_dt), bs, cs, a_log, dt_bias)
            x = x + nn.matmul(nn.reshape(y, shape: [batch, seq, 32]), w_out)
          }
          repeat 1 as attn_layers {
            x = x + attention(rmsnorm(x, name: "norm"), heads: 4, kv_heads: 2, name: "attn")
          }
          output logits = lm_head(rmsnorm(x, name: "norm"), vocab)
        }
        """;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { "tiny-hybrid", "mamba" })
            foreach (var pipeline in new[] { "", "fuse" })
                data.Add(model, pipeline);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prefill_and_decode_logits_match_the_reference(string model, string pipeline)
    {
        var source = model == "mamba" ? FromSource(Mamba) : Sample(model);
        var weights = SeededWeights(source, seed: 3);
        var module = Apply(source, pipeline);
        int vocab = (int)IrBuilder.Resolver(module)("vocab")!.Value;
        var prompt = Enumerable.Range(0, 14).Select(i => (i * 29 + 5) % vocab).ToArray();
        var steps = new List<Dictionary<string, Tensor>> { new() { ["tokens"] = Tensor.FromInts(new[] { 2, 7 }, prompt) } };
        for (int s = 0; s < 3; s++) steps.Add(new() { ["tokens"] = Tensor.FromInts(new[] { 2, 1 }, (3 + s) % vocab, (40 - s) % vocab) });
        var results = Both(module, weights, steps.ToArray());
        var deviations = results.Select(r => Deviation(r.Reference["logits"], r.Device["logits"])).ToArray();
        _out.WriteLine($"{model} [{pipeline}]: deviation per step {string.Join(", ", deviations.Select(d => d.ToString("E2")))}");
        Assert.All(deviations, d => Assert.True(d <= Tolerance, $"logits deviate by {d:E2}"));
    }
}
