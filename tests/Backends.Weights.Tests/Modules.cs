using System;
using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Weights.Tests;

/// <summary>Samples and snippets compiled and flattened with inline,canonicalize.</summary>
internal static class Modules
{
    public static Module Sample(string name) => Flatten(Check(Compiler.CompileFile(Repo.Sample(name))));

    public static Module FromSource(string source) => Flatten(Check(Compiler.Compile(new SourceText("test.moe", source))));

    private static Module Flatten(Module m)
    {
        var run = new PassManager(Pipeline.Parse("inline,canonicalize", new DiagnosticBag())!).Run(m);
        return run.Module ?? throw new InvalidOperationException(string.Join("\n", run.Diagnostics.Select(d => d.Message)));
    }

    private static Module Check(CompilationResult r) =>
        r.Module ?? throw new InvalidOperationException(string.Join("\n", r.Diagnostics.Select(d => d.Message)));
}
