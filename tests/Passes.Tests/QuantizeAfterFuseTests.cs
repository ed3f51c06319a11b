using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests;

/// <summary>quantize after fuse: weights read by fused kernels are retyped with the kernels' region
/// arguments, the router and LM head are still recognised inside them, and KV formats apply.</summary>
public class QuantizeAfterFuseTests
{
    private static PipelineRun Run(string sample, string pipeline)
    {
        var m = Compiler.CompileFile(Repo.Sample(sample)).Module!;
        return new PassManager(Pipeline.Parse(pipeline, new DiagnosticBag())!, new PassManagerOptions { VerifyEach = true }).Run(m);
    }

    [Fact]
    public void Weights_read_by_fused_kernels_are_quantized_and_their_kernels_retyped()
    {
        var run = Run("tiny-moe", "inline,canonicalize,fuse,quantize{weights=fp8}");
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        var weights = run.Module!.WalkAll().Where(o => o.Def == CoreOps.Weight).GroupBy(o => o.Attributes.GetString("name")!)
            .ToDictionary(g => g.Key, g => g.Select(o => o.Result.Type.DType).Distinct().Single());
        Assert.Equal(GraphDsl.Ir.Types.DType.Fp8E4M3, weights["attn.wq"]);
        Assert.Equal(GraphDsl.Ir.Types.DType.Fp8E4M3, weights["moe.w_up"]);
        // The router (inside the fused MoE kernel) and the LM head keep their format, as before fusion.
        Assert.Equal(GraphDsl.Ir.Types.DType.F32, weights["moe.router"]);
        Assert.Equal(GraphDsl.Ir.Types.DType.F32, weights["lm_head.w"]);
        foreach (var kernel in run.Module.WalkAll().Where(o => o.Def == FusedOps.Kernel))
            for (int i = 0; i < kernel.Operands.Count; i++)
                Assert.Equal(kernel.Operands[i].Type, kernel.Regions[0].Arguments[i].Type);
    }

    [Fact]
    public void A_kv_format_applies_after_fuse()
    {
        var run = Run("tiny-moe", "inline,canonicalize,fuse,quantize{kv=fp8}");
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        var caches = run.Module!.WalkAll().Where(o => o.Def == AttentionOps.KvCache).ToList();
        Assert.NotEmpty(caches);
        Assert.All(caches, c => Assert.NotNull(c.Attributes.Get("storage")));
    }
}
