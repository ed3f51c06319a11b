using System;
using System.Linq;
using System.Collections.Concurrent;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.TestSupport;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.Serving.Tests.Planning;

/// <summary>Plans of the planning tests: a sample searched on H100 clusters under the default profile, each (sample, GPU
/// counts, workload, SLO, simulate) run once and shared.</summary>
internal static class Plans
{
    private static readonly ConcurrentDictionary<string, (PlanSearch Search, PlanResult Result)> Cache = new();
    public static readonly EfficiencyProfile Profile = EfficiencyProfile.Find("default")!;

    public static PlanSearch Search(string sample, int[] gpus, string workload, string slo, int simulate = PlanSearch.DefaultSimulated,
        string[]? weights = null, LayoutChoices? layouts = null, long requests = 300)
    {
        var module = Compiler.CompileFile(Repo.Sample(sample)).Module!;
        var device = HardwareCatalog.BuiltIn().Find("h100-sxm")!;
        var diagnostics = new DiagnosticBag();
        var w = WorkloadSpec.Parse(workload, diagnostics)!;
        var s = SloSpec.Parse(slo, diagnostics)!;
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        var targets = gpus.Select(g => new PlanTarget(new Cluster(device, (g + 7) / 8, g / ((g + 7) / 8)), Profile)).ToList();
        var moe = MoeLayers.Of(module);
        return new PlanSearch(targets, weights ?? new[] { "fp8" }, new[] { "keep" }, layouts ?? new LayoutChoices(), moe.Count > 0 ? moe[0].Experts : 0,
            w, s, requests, 1, (dep, diag) => CompiledDeployment.Compile(module, dep, (string?)null, diag)) { Simulate = simulate };
    }

    /// <summary>The plan of aggregated candidates, or of aggregated and disaggregated ones (sharing their compiled deployments).</summary>
    public static (PlanSearch Search, PlanResult Result) Run(string sample, int[] gpus, string workload, string slo, int simulate = PlanSearch.DefaultSimulated,
        bool disaggregated = false) =>
        Cache.GetOrAdd($"{sample}|{string.Join(",", gpus)}|{workload}|{slo}|{simulate}|{disaggregated}", _ =>
        {
            var search = Search(sample, gpus, workload, slo, simulate);
            var compiled = new CompiledDeployments();
            var families = disaggregated
                ? new ICandidateFamily[] { new AggregatedFamily(compiled), new DisaggregatedFamily(compiled) }
                : new ICandidateFamily[] { new AggregatedFamily(compiled) };
            return (search, Planner.Run(search, families));
        });
}
