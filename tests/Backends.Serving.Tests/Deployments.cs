using System;
using System.Collections.Concurrent;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>The deployment the serving tests simulate (Llama 3 70B, FP8 weights, TP8 on 8 H100s, default profile),
/// compiled once, and helpers that run a workload and scheduler spec on it.</summary>
internal static class Deployments
{
    private static readonly ConcurrentDictionary<string, Predictor> Cache = new();
    public static readonly EfficiencyProfile Profile = EfficiencyProfile.Find("default")!;
    public static readonly Cluster H100x8 = new(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 1, 8);

    public static Predictor Llama70bTp8 => Predictor("llama-3-70b", new Deployment(new ParallelLayout(8), Weights: "fp8"));

    public static Predictor Predictor(string sample, Deployment d) => Cache.GetOrAdd(sample + d, _ =>
    {
        var module = Compiler.CompileFile(Repo.Sample(sample)).Module!;
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(module, d, (string?)null, diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        return new Predictor(compiled!, H100x8, Profile);
    });

    public static ServingRun Serve(string workload, string scheduler, long requests = 1000, ulong seed = 1, string? slo = null, Predictor? predictor = null)
    {
        var diagnostics = new DiagnosticBag();
        var w = WorkloadSpec.Parse(workload, diagnostics);
        var s = SchedulerSpec.Parse(scheduler, diagnostics);
        var o = slo is null ? null : SloSpec.Parse(slo, diagnostics);
        Assert.True(!diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        predictor ??= Llama70bTp8;
        var sim = ServingSimulation.Prepare(predictor, H100x8, Profile, s!, w!.Prompt.Mean + w.Output.Mean, ServingSimulation.LongestRequest(w), out var reason);
        Assert.True(sim is not null, reason);
        return sim!.Run(new SyntheticSource(w, w.Kind == WorkloadKind.Offline ? w.Count : requests, seed), o);
    }
}

/// <summary>Disaggregated and co-located runs of Llama 3 70B (FP8) on H100s: instance deployments compiled once.</summary>
internal static class MultiEngine
{
    public static Cluster H100(int gpus) => new(Deployments.H100x8.Device, (gpus + 7) / 8, Math.Min(8, gpus));

    public static Disaggregation.DisaggregatedSimulation Disagg(string scheduler, string workload, int gpus = 8, Cluster? cluster = null)
    {
        var (s, w) = Specs(scheduler, workload);
        var prefill = Deployments.Predictor("llama-3-70b", Disaggregation.DisaggregatedSimulation.InstanceDeployment(new Deployment(new ParallelLayout(), Weights: "fp8"), s.Prefill!)).Compiled;
        var decode = Deployments.Predictor("llama-3-70b", Disaggregation.DisaggregatedSimulation.InstanceDeployment(new Deployment(new ParallelLayout(), Weights: "fp8"), s.Decode!)).Compiled;
        var sim = Disaggregation.DisaggregatedSimulation.Prepare(prefill, decode, cluster ?? H100(gpus), Deployments.Profile, s, w.Prompt.Mean + w.Output.Mean,
            ServingSimulation.LongestRequest(w), out var reason);
        Assert.True(sim is not null, reason);
        return sim!;
    }

    public static Colocation.ColocatedSimulation Colocated(string scheduler, string workload)
    {
        var (s, w) = Specs(scheduler, workload);
        var sim = Colocation.ColocatedSimulation.Prepare(Deployments.Llama70bTp8, Deployments.H100x8, Deployments.Profile, s, w.Prompt.Mean + w.Output.Mean,
            ServingSimulation.LongestRequest(w), out var reason);
        Assert.True(sim is not null, reason);
        return sim!;
    }

    public static ServingRun Run(IServingSimulation sim, string workload, long requests = 1000, ulong seed = 1, string? slo = null)
    {
        var diagnostics = new DiagnosticBag();
        var w = WorkloadSpec.Parse(workload, diagnostics)!;
        var o = slo is null ? null : SloSpec.Parse(slo, diagnostics);
        return sim.Run(new SyntheticSource(w, w.Kind == WorkloadKind.Offline ? w.Count : requests, seed), o);
    }

    private static (SchedulerSpec, WorkloadSpec) Specs(string scheduler, string workload)
    {
        var diagnostics = new DiagnosticBag();
        var s = SchedulerSpec.Parse(scheduler, diagnostics);
        var w = WorkloadSpec.Parse(workload, diagnostics);
        Assert.True(!diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        return (s!, w!);
    }
}
