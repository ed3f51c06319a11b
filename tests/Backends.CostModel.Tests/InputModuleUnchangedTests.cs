using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>Compiling a deployment never changes the module it starts from: plan, sweep and the validator compile many
/// deployments from one module, and the tests share compiled samples.</summary>
public class InputModuleUnchangedTests
{
    [Theory]
    [InlineData("deepseek-v3", 1, 8, 8, 1, "fp8", "inline,canonicalize,fuse,overlap")]
    [InlineData("deepseek-v3", 8, 8, 1, 2, "nvfp4", "")]
    [InlineData("qwen3-30b-a3b", 2, 4, 2, 1, "int4", "fuse")]
    [InlineData("gpt-oss-120b", 1, 4, 4, 1, "keep", "quantize{activations=fp8},fuse")]
    [InlineData("mixtral-8x7b", 4, 2, 1, 1, "fp8", "densify,fuse")]
    public void The_source_module_prints_the_same_after(string sample, int tp, int ep, int dp, int pp, string weights, string passes)
    {
        var module = GraphDsl.Frontend.Compiler.CompileFile(GraphDsl.TestSupport.Repo.Sample(sample)).Module!;
        var before = IrPrinter.Print(module);
        var d = new Deployment(new ParallelLayout(tp, ep, dp, pp) { Redundant = 0 }, weights, "fp8");
        var diagnostics = new DiagnosticBag();
        CompiledDeployment.Compile(module, d, passes, diagnostics);
        Assert.Equal(before, IrPrinter.Print(module));
    }
}
