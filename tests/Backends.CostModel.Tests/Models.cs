using System.Collections.Concurrent;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
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

    public static Predictor Predictor(string sample, string device, Deployment d, EfficiencyProfile? profile = null, int nodes = 1, string? passes = null)
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Sample(sample), d, passes, diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var dev = Catalog.Find(device)!;
        return new Predictor(compiled!, new Cluster(dev, nodes, d.Gpus / nodes), profile ?? EfficiencyProfile.Find("default")!);
    }
}
