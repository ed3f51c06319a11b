using System;
using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>Layout values the user fixed (<c>--tp 4,8</c> and the like); null keys are searched over their defaults
/// (<see cref="PlanSpace"/>).</summary>
public sealed record LayoutChoices(int[]? Tp = null, int[]? Ep = null, int[]? Dp = null, int[]? Pp = null, int[]? Redundant = null, string[]? MoeComm = null);

/// <summary>
/// What a plan searches and under which traffic: the clusters (device and GPU count, each with its profile), the
/// weight and KV formats to try, the layout values the user fixed, the model's routed experts (0 for a dense model),
/// the workload and SLO, the requests simulated per candidate, and how to compile a deployment (given by the caller,
/// so serving code never reaches into passes or the IR).
/// </summary>
public sealed record PlanSearch(
    IReadOnlyList<PlanTarget> Targets,
    IReadOnlyList<string> Weights,
    IReadOnlyList<string> Kv,
    LayoutChoices Layouts,
    int Experts,
    WorkloadSpec Workload,
    SloSpec Slo,
    long Requests,
    ulong Seed,
    Func<Deployment, DiagnosticBag, CompiledDeployment?> Compile)
{
    /// <summary>Default number of candidates simulated after the screen.</summary>
    public const int DefaultSimulated = 24;

    /// <summary>The most candidates one plan simulates (each runs the engine simulator over every request).</summary>
    public const int MaxSimulated = 256;

    /// <summary>The most deployments one plan compiles (each runs the pass pipeline, about 10 ms for DeepSeek-V3).</summary>
    public const int MaxDeployments = 1024;

    /// <summary>Default requests simulated per candidate.</summary>
    public const long DefaultRequests = 500;

    /// <summary>The most requests one plan simulates over all its candidates (simulated requests x candidates).</summary>
    public const long MaxSimulatedRequests = 20_000_000;

    public int Simulate { get; init; } = DefaultSimulated;

    /// <summary>Simulates a candidate over the search's requests (offline's N, else <see cref="Requests"/>) from its seed,
    /// so every candidate sees the same traffic.</summary>
    public Metrics.ServingReport Run(IServingSimulation simulation)
    {
        long requests = Workload.Kind == WorkloadKind.Offline ? Workload.Count : Requests;
        return simulation.Run(new Workloads.SyntheticSource(Workload, requests, Seed), Slo).Report;
    }

    /// <summary>Prompt and output tokens of the workload's mean request (the screen's lengths).</summary>
    public (long Prompt, long Output) MeanLengths =>
        (Math.Max(1, (long)Math.Round(Workload.Prompt.Mean)), Math.Max(1, (long)Math.Round(Workload.Output.Mean)));
}
