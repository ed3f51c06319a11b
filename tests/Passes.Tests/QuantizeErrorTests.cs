using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests;

/// <summary>quantize after fuse: weights read by fused kernels cannot be retyped, so the pass says so
/// instead of leaving them in 16-bit; a KV format alone still applies after fusion.</summary>
public class QuantizeErrorTests
{
    private static PipelineRun Run(string sample, string pipeline)
    {
        var m = Compiler.CompileFile(Repo.Sample(sample)).Module!;
        return new PassManager(Pipeline.Parse(pipeline, new DiagnosticBag())!, new PassManagerOptions { VerifyEach = true }).Run(m);
    }

    [Fact]
    public void Weights_are_not_quantized_after_fuse()
    {
        var run = Run("tiny-moe", "inline,canonicalize,fuse,quantize{weights=fp8}");
        Assert.False(run.Success);
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("GD0505", d.Id);
        Assert.Contains("quantize{weights=...} must run before fuse", d.Message);
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
