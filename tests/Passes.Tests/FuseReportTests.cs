using System.Collections.Generic;
using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests;

/// <summary>The fuse pass's report (its statistics, printed by <c>--time-passes</c>): a count per rule that
/// fused something, and the kernels launched before and after; it agrees with the groups in the IR.</summary>
public class FuseReportTests
{
    private const string AllOff = "fuse{qkv=false,gated_ffn=false,attention=false,moe=false,epilogue=false,norm=false,elementwise=false}";

    private static PassTiming Fuse(string sample, string fuse, out Module fused)
    {
        var m = Compiler.CompileFile(Repo.Sample(sample)).Module!;
        var run = new PassManager(Pipeline.Parse("inline,canonicalize," + fuse, new DiagnosticBag())!, new PassManagerOptions { VerifyEach = true }).Run(m);
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        fused = run.Module!;
        return run.Timings.Last();
    }

    private static HashSet<string> RulesInIr(Module m) =>
        m.WalkAll().Where(o => o.Def == FusedOps.Kernel)
            .SelectMany(o => (o.Attributes.GetString("rules") ?? "").Split(',')).Where(r => r.Length > 0).ToHashSet();

    [Theory]
    [InlineData("tiny-moe")]
    [InlineData("tiny-dense")]
    public void The_report_names_the_rules_the_fused_kernels_carry(string sample)
    {
        var report = Fuse(sample, "fuse", out var fused);
        var counted = report.Statistics.Where(kv => kv.Key is not ("kernels_before" or "kernels_after") && kv.Value > 0).Select(kv => kv.Key).ToHashSet();
        Assert.Equal(RulesInIr(fused).OrderBy(r => r), counted.OrderBy(r => r));
        Assert.True(report.Statistics["kernels_after"] < report.Statistics["kernels_before"],
            $"{sample}: {report.Statistics["kernels_before"]} kernels before, {report.Statistics["kernels_after"]} after");
    }

    [Fact]
    public void A_rule_switched_off_is_absent_from_the_report_and_the_ir()
    {
        var all = Fuse("tiny-moe", "fuse", out _);
        var report = Fuse("tiny-moe", "fuse{attention=false}", out var fused);
        Assert.True(all.Statistics.ContainsKey("attention"));
        Assert.False(report.Statistics.ContainsKey("attention"));
        Assert.DoesNotContain("attention", RulesInIr(fused));
        Assert.True(report.Statistics["kernels_after"] > all.Statistics["kernels_after"]);
        Assert.Equal(all.Statistics["kernels_before"], report.Statistics["kernels_before"]);
    }

    [Fact]
    public void With_every_rule_off_nothing_fuses()
    {
        var report = Fuse("tiny-moe", AllOff, out var fused);
        Assert.False(report.Changed);
        Assert.Equal(report.Statistics["kernels_before"], report.Statistics["kernels_after"]);
        Assert.DoesNotContain(fused.WalkAll(), o => o.Def == FusedOps.Kernel);
    }
}
