using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;
using Xunit;

namespace GraphDsl.Tests.Shared;

/// <summary>
/// A sample compiled without a diagnostic, and a pipeline run over a module with the verifier after each pass: the two
/// steps of the sample snapshot tests of Frontend.Tests and Passes.Tests. Linked into those projects as source (not in
/// TestSupport, which depends on nothing of GraphDsl's).
/// </summary>
internal static class SampleModules
{
    public static Module Compile(string sample)
    {
        var result = Compiler.CompileFile(Repo.Sample(sample));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        return result.Module!;
    }

    public static Module Run(Module m, string pipeline)
    {
        var diagnostics = new DiagnosticBag();
        var p = Pipeline.Parse(pipeline, diagnostics);
        Assert.NotNull(p);
        var run = new PassManager(p!, new PassManagerOptions { VerifyEach = true }).Run(m);
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        return run.Module!;
    }
}
