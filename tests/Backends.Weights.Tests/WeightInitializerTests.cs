using System;
using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Numerics;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Weights.Tests;

/// <summary>Seeded initialization: deterministic bits, scales by role (std within 5% of the target on
/// tensors of 8k+ elements).</summary>
public class WeightInitializerTests
{
    private static double Std(float[] v) => Math.Sqrt(v.Select(x => (double)x * x).Average());

    private const string OssLike = """
        import "std/norm"
        import "std/attention"
        import "std/moe"
        model M {
          param d = 64
          dtype f32
          input tokens: i32[batch, seq]
          weight embed: [100, d]
          let x = nn.embedding(tokens, embed)
          repeat 2 as layers {
            x = x + attention(layernorm(x, name: "ln"), heads: 4, kv_heads: 2, head_dim: 16, bias: true, sinks: true, name: "attn")
            x = x + moe(rmsnorm(x, name: "norm"), experts: 4, top_k: 2, hidden: 128, act: "swiglu_clamped",
                        selection_bias: true, expert_bias: true, name: "mlp")
          }
          output logits = nn.matmul(x, embed, transpose_w: true)
        }
        """;

    [Fact]
    public void The_same_seed_gives_the_same_bits_and_another_seed_other_values()
    {
        var module = Modules.Sample("tiny-moe");
        var a = WeightInitializer.Create(module, 42);
        var b = WeightInitializer.Create(module, 42);
        var c = WeightInitializer.Create(module, 43);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Values, b[i].Values);
        var wq = a.Single(w => w.Name == "moe_layers.0.attn.wq").Values;
        Assert.NotEqual(wq, c.Single(w => w.Name == "moe_layers.0.attn.wq").Values);
        // Iterations get their own values.
        Assert.NotEqual(wq, a.Single(w => w.Name == "moe_layers.1.attn.wq").Values);
    }

    [Fact]
    public void Values_are_the_same_on_every_platform()
    {
        // Bits of the first values of a few tensors: the generator uses integer mixing and sums only.
        var weights = WeightInitializer.Create(Modules.Sample("tiny-moe"), 1);
        var text = new StringBuilder();
        foreach (var name in new[] { "embed.table", "dense_layers.0.attn.wq", "moe_layers.2.moe.router", "lm_head.w" })
        {
            var values = weights.Single(w => w.Name == name).Values.Take(4);
            text.Append(name).Append(": ")
                .Append(string.Join(" ", values.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture))))
                .Append('\n');
        }
        Snapshot.Verify(text.ToString());
    }

    [Fact]
    public void Scales_follow_each_weights_role()
    {
        var weights = WeightInitializer.Create(Modules.FromSource(OssLike), 9).ToDictionary(w => w.Name, w => w.Values);
        Assert.InRange(Std(weights["embed"]), 0.95, 1.05);
        Assert.InRange(Std(weights["layers.0.attn.wq"]), 0.95 / 8, 1.05 / 8);            // fan-in 64
        Assert.InRange(Std(weights["layers.1.attn.wo"]), 0.95 / 8, 1.05 / 8);            // fan-in 4 * 16
        Assert.InRange(Std(weights["layers.0.mlp.w_up"]), 0.95 / 8, 1.05 / 8);           // experts: fan-in d = 64
        Assert.InRange(Std(weights["layers.0.mlp.w_down"]), 0.95 / Math.Sqrt(128), 1.05 / Math.Sqrt(128));
        Assert.InRange(Std(weights["layers.0.mlp.router"]), 0.9 * 0.02, 1.1 * 0.02);
        Assert.All(weights["layers.0.ln.scale"], v => Assert.Equal(1f, v));
        Assert.All(weights["layers.0.norm.scale"], v => Assert.Equal(1f, v));
        Assert.All(weights["layers.0.ln.shift"], v => Assert.Equal(0f, v));
        Assert.All(weights["layers.1.attn.sink"], v => Assert.Equal(0f, v));
        Assert.InRange(Std(weights["layers.0.attn.bq"]), 0.005, 0.05);
        Assert.InRange(Std(weights["layers.0.mlp.b_down"]), 0.01, 0.03);
        Assert.InRange(Std(weights["layers.0.mlp.e_bias"]), 0.005, 0.05);
        // Means stay near zero.
        Assert.InRange(weights["layers.0.attn.wq"].Average(), -0.01, 0.01);
    }

    [Theory]
    [InlineData("tiny-dense")]
    [InlineData("tiny-moe")]
    public void Fusion_does_not_change_the_weights_a_seed_gives(string sample)
    {
        // Roles are read through fused kernels, so the same spec gets the same weights whatever the pipeline.
        var plain = Modules.Sample(sample);
        var fused = new GraphDsl.Passes.Core.PassManager(GraphDsl.Passes.Core.Pipeline.Parse("fuse", new GraphDsl.Ir.Diagnostics.DiagnosticBag())!).Run(plain).Module!;
        Assert.Contains(fused.WalkAll(), op => op.Def == GraphDsl.Ir.Ops.FusedOps.Kernel);
        var a = WeightInitializer.Create(plain, 5).ToDictionary(w => w.Name, w => w.Values);
        var b = WeightInitializer.Create(fused, 5).ToDictionary(w => w.Name, w => w.Values);
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (name, values) in a) Assert.True(values.SequenceEqual(b[name]), $"{name} differs after fuse");
    }

    [Fact]
    public void Weights_of_narrow_float_modules_are_stored_values()
    {
        var module = Modules.FromSource(OssLike.Replace("dtype f32", "dtype bf16"));
        foreach (var w in WeightInitializer.Create(module, 3).Where(w => w.Name.EndsWith("wq", StringComparison.Ordinal)))
            Assert.All(w.Values, v => Assert.Equal(v, Bf16.Decode(Bf16.Encode(v))));
    }

    [Fact]
    public void The_normal_generator_has_unit_variance()
    {
        var g = new SeededNormal(7);
        var values = Enumerable.Range(0, 200_000).Select(_ => g.NextNormal()).ToArray();
        Assert.InRange(values.Average(), -0.01, 0.01);
        Assert.InRange(Math.Sqrt(values.Select(v => v * v).Average()), 0.99, 1.01);
    }
}
