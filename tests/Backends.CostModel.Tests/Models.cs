using System.Collections.Concurrent;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>Compiled samples and predictors for the tests (compiled once per process).</summary>
internal static class Models
{
    private static readonly ConcurrentDictionary<string, Module> Cache = new();
    private static readonly ConcurrentDictionary<string, Module?> Parts = new();
    public static readonly HardwareCatalog Catalog = HardwareCatalog.BuiltIn();

    public static Module Sample(string name) => Cache.GetOrAdd(name, n =>
    {
        var r = Compiler.CompileFile(Repo.Sample(n));
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        return r.Module!;
    });

    /// <summary>The sample's multi-token-prediction part, or null when it declares none.</summary>
    public static Module? MtpPart(string name) => Parts.GetOrAdd(name, n => Compiler.CompilePartFile(Repo.Sample(n))?.Module);

    /// <summary>The first entry of a kernel kind in a one-GPU model given as source, and its time at one step of the phase's
    /// plan (batch sequences of seq new tokens at a context of ctx), its KV caches stored in <paramref name="kv"/> (the deployment's format).</summary>
    public static (GraphDsl.Backends.CostModel.Plan.PlanEntry Entry, GraphDsl.Backends.CostModel.Evaluate.OpTiming Time) KernelTime(string name, string source,
        string kernelKind, string device, GraphDsl.Ir.Ops.CostPhase phase, double batch, double seq, double ctx, EfficiencyProfile profile,
        string kv = NumericFormat.Keep)
    {
        var r = Compiler.Compile(new GraphDsl.Frontend.Syntax.SourceText(name, source));
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(r.Module!, new Deployment(new GraphDsl.Passes.Parallelize.ParallelLayout(1), Kv: kv), "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var plan = phase == GraphDsl.Ir.Ops.CostPhase.Decode ? compiled!.DecodePlan : compiled!.PrefillPlan;
        var details = new GraphDsl.Backends.CostModel.Evaluate.OpTiming[plan.Entries.Length];
        new GraphDsl.Backends.CostModel.Evaluate.StepEvaluator(plan, new Cluster(Catalog.Find(device)!, 1, 1), profile).Evaluate(batch, seq, ctx, details);
        int i = System.Array.FindIndex(plan.Entries, e => e.KernelKind == kernelKind);
        Assert.True(i >= 0, $"no {kernelKind} entry");
        return (plan.Entries[i], details[i]);
    }

    public static Predictor Predictor(string sample, string device, Deployment d, EfficiencyProfile? profile = null, int nodes = 1, string? passes = null)
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Sample(sample), d, passes, diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var dev = Catalog.Find(device)!;
        return new Predictor(compiled!, new Cluster(dev, nodes, d.Gpus / nodes), profile ?? EfficiencyProfile.Find("default")!);
    }
}
