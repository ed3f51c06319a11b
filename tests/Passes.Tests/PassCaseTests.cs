using System;
using System.IO;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests;

/// <summary>IR in, IR out: each Cases/*.gir names its pipeline on a '// RUN:' line; the pipeline runs
/// with the verifier after every pass, and the printed result is checked against the '// CHECK:' lines
/// written beside the input (FileCheck, like mlir-opt tests), or snapshot-tested where a case has none.</summary>
public class PassCaseTests
{
    public static TheoryData<string> CaseNames()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Cases"), "*.gir").OrderBy(f => f, StringComparer.Ordinal))
            d.Add(Path.GetFileNameWithoutExtension(f));
        return d;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Pipeline_output(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Cases", name + ".gir");
        var text = File.ReadAllText(path);
        var run = text.Split('\n').First(l => l.StartsWith("// RUN:", StringComparison.Ordinal)).Substring("// RUN:".Length).Trim();
        var module = IrParser.Parse(text, name + ".gir");
        Assert.Empty(Verifier.Verify(module));
        var diagnostics = new DiagnosticBag();
        var pipeline = Pipeline.Parse(run, diagnostics);
        Assert.NotNull(pipeline);
        var result = new PassManager(pipeline!, new PassManagerOptions { VerifyEach = true }).Run(module);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var printed = IrPrinter.Print(result.Module!);
        if (FileCheck.HasDirectives(text)) FileCheck.Verify(text, printed);
        else Snapshot.Verify($"// {run}\n" + printed, name);
        // Canonical output is a fixpoint of its own pipeline.
        if (run == "canonicalize")
            Assert.Equal(printed, IrPrinter.Print(new PassManager(pipeline!).Run(IrParser.Parse(printed)).Module!));
    }
}
