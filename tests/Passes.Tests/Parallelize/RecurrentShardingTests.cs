using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests.Parallelize;

/// <summary>
/// Tensor parallelism of the recurrent mixers (ShardRule.StateHeads): gated DeltaNet and Mamba-2 split by heads as
/// Megatron splits them, column-parallel input projections, the convolutions, scans and per-head weights split with the
/// heads, one all-reduce after the row-parallel output projection; a grouped norm whose groups the ranks do not divide,
/// and Mamba's single shared group of B and C, are handled without splitting what cannot be split.
/// </summary>
public class RecurrentShardingTests
{
    private static Module Run(Module m, string pipeline)
    {
        var diagnostics = new DiagnosticBag();
        var run = new PassManager(Pipeline.Parse(pipeline, diagnostics)!, new PassManagerOptions { VerifyEach = true }).Run(m);
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        return run.Module!;
    }

    private static Module Source(string text)
    {
        var r = Compiler.Compile(new SourceText("test.moe", text));
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        return r.Module!;
    }

    private static Region Body(Module m, string repeat) =>
        m.WalkAll().Single(o => o.Def.Structure == OpStructure.Loop && o.Attributes.GetString("name") == repeat).Regions[0];

    private static string Shape(Region r, string weight) =>
        r.Ops.Single(o => o.Def.Structure == OpStructure.Weight && o.Attributes.GetString("name") == weight).Result.Type.Shape.ToString();

    [Fact]
    public void Gated_deltanet_splits_by_heads_with_one_all_reduce()
    {
        var m = Run(Compiler.CompileFile(Repo.Sample("tiny-hybrid")).Module!, "inline,canonicalize,parallelize{tp=2}");
        var body = Body(m, "linear_layers");
        Assert.Equal("[128, 32]", Shape(body, "linear_attn.wq"));
        Assert.Equal("[128, 64]", Shape(body, "linear_attn.wv"));
        Assert.Equal("[32, 4]", Shape(body, "linear_attn.conv_q"));
        Assert.Equal("[2]", Shape(body, "linear_attn.a_log"));
        Assert.Equal("[64, 128]", Shape(body, "linear_attn.wo"));
        Assert.Equal("[batch, seq, 2, 32]", body.Ops.Single(o => o.Def == RecurrentOps.GatedDelta).Result.Type.Shape.ToString());
        // The mixer's all-reduce after wo and the FFN's after w_down; nothing gathered.
        Assert.Equal(new[] { "comm.all_reduce", "comm.all_reduce" }, body.Ops.Where(o => o.Def.Dialect == "comm").Select(o => o.Name));
    }

    private const string Mamba = """
        import "std/norm"
        import "std/ssm"
        import "std/linear"
        model TinyMamba {
          param d = 64
          dtype f32
          input tokens: i32[batch, seq]
          let x = embedding(tokens, 97, d, name: "embed")
          repeat 2 as layers {
            x = x + mamba2(rmsnorm(x, name: "norm"), heads: 4, head_dim: 16, state: 8, groups: GROUPS, name: "mixer")
          }
          output logits = lm_head(rmsnorm(x, name: "norm"), 97)
        }
        """;

    /// <summary>groups x tp: Megatron's rule (groups divisible by tp) splits heads, groups and the grouped norm; otherwise
    /// the norm needs whole rows and the mixer runs replicated (no collective inside it, every weight whole).</summary>
    [Theory]
    [InlineData(2, 2, true)]
    [InlineData(4, 2, true)]
    [InlineData(1, 2, false)]
    [InlineData(2, 4, false)]
    public void Mamba2_splits_heads_groups_and_its_grouped_norm_when_tp_divides_the_groups(int groups, int tp, bool split)
    {
        var m = Run(Source(Mamba.Replace("GROUPS", groups.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            $"inline,canonicalize,parallelize{{tp={tp}}}");
        var body = Body(m, "layers");
        var ssd = body.Ops.Single(o => o.Def == RecurrentOps.Ssd);
        var norm = body.Ops.Single(o => o.Def == RecurrentOps.GroupRmsNorm);
        int parts = split ? tp : 1;
        Assert.Equal($"[batch, seq, {4 / parts}, 16]", ssd.Result.Type.Shape.ToString());
        Assert.Equal($"[batch, seq, {groups / parts}, 8]", ssd.Operand("b")!.Type.Shape.ToString());
        Assert.Equal($"[{64 / parts}]", Shape(body, "mixer.norm"));
        Assert.Equal($"[{64 / parts}, 4]", Shape(body, "mixer.conv_x"));
        Assert.Equal(groups / parts, norm.Attributes.GetInt("groups")?.AsConst ?? 1);
        Assert.Equal(split ? 1 : 0, body.Ops.Count(o => o.Def == CommOps.AllReduce));
        Assert.DoesNotContain(body.Ops, o => o.Def == CommOps.AllGather);
    }
}
