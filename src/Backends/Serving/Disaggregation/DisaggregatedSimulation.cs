using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Scheduling;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;

namespace GraphDsl.Backends.Serving.Disaggregation;

/// <summary>
/// Disaggregated prefill and decode (<c>disagg{prefill=tp4x2,decode=tp8x1}</c>; DistServe, OSDI '24; Splitwise; NVIDIA
/// Dynamo): prefill instances run whole prompts (batched up to max_tokens per step) and emit each request's first token;
/// its prompt's KV cache then moves to a decode instance (<see cref="KvTransfer"/>), which decodes with continuous batching.
/// Every instance is an engine of its own (<see cref="EngineSimulator"/>) over its own GPUs, priced on its own layout, with
/// its own paged KV cache sized by its own memory plan; all run on one clock (<see cref="EngineGroup"/>). The instances
/// are laid out prefill first, then decode, filling nodes in order.
/// </summary>
public sealed class DisaggregatedSimulation : IServingSimulation
{
    private readonly EngineSetup[] _prefill, _decode;
    private readonly int _gpus;

    private DisaggregatedSimulation(EngineSetup[] prefill, EngineSetup[] decode, KvTransfer transfer, string description, int gpus)
    {
        _prefill = prefill; _decode = decode; Transfer = transfer; Description = description; _gpus = gpus;
    }

    public KvTransfer Transfer { get; }
    public string Description { get; }
    public KvCache PrefillKv => _prefill[0].Kv;
    public KvCache DecodeKv => _decode[0].Kv;
    public StepPricer PrefillPricer => _prefill[0].Pricer;
    public StepPricer DecodePricer => _decode[0].Pricer;

    /// <summary>Why the instances do not use exactly the cluster's GPUs, or null.</summary>
    public static string? CheckGpus(SchedulerSpec spec, int gpus)
    {
        var (p, d) = (spec.Prefill!, spec.Decode!);
        if (p.Gpus + d.Gpus == gpus) return null;
        return $"disagg: prefill={p} takes {p.Gpus} GPU(s) ({p.Count} x {p.GpusPerInstance}) and decode={d} takes {d.Gpus} ({d.Count} x {d.GpusPerInstance}), "
            + $"{p.Gpus + d.Gpus} in all, but --gpus is {gpus}";
    }

    /// <summary>The deployment of one instance: <paramref name="shared"/>'s formats on the instance's layout.</summary>
    public static Deployment InstanceDeployment(Deployment shared, InstanceLayout layout) =>
        shared with { Layout = shared.Layout with { Tp = layout.Tp, Ep = layout.Ep, Dp = layout.Dp, Pp = layout.Pp } };

    /// <summary>Builds the instances of <paramref name="spec"/> from their compiled deployments on <paramref name="cluster"/>;
    /// null with the reason when they do not add up to its GPUs, an instance does not fit in whole nodes, or an instance's
    /// cache cannot hold a request of the workload (<paramref name="meanLength"/> and <paramref name="longestRequest"/> as
    /// in <see cref="ServingSimulation.Prepare"/>).</summary>
    public static DisaggregatedSimulation? Prepare(CompiledDeployment prefill, CompiledDeployment decode, Cluster cluster, EfficiencyProfile eff,
        SchedulerSpec spec, double meanLength, long? longestRequest, out string? reason)
    {
        if (spec.Kind != SchedulerKind.Disaggregated || spec.Prefill is null || spec.Decode is null) throw new ArgumentException($"{spec} is not a disaggregated scheduler");
        reason = CheckGpus(spec, cluster.Gpus);
        if (reason is not null) return null;
        var (pl, dl) = (spec.Prefill, spec.Decode);
        var prefillCluster = InstanceCluster(cluster, pl, "prefill", out reason);
        var decodeCluster = prefillCluster is null ? null : InstanceCluster(cluster, dl, "decode", out reason);
        if (prefillCluster is null || decodeCluster is null) return null;
        long length = Math.Max(1, (long)Math.Round(meanLength));
        var prefillSetup = Setup(prefill, prefillCluster, eff, length, SchedulerFactory.PrefillInstance(spec, eff), "a prefill", longestRequest, out reason);
        if (prefillSetup is null) return null;
        var decodeSetup = Setup(decode, decodeCluster, eff, length, SchedulerFactory.DecodeInstance(spec), "a decode", longestRequest, out reason);
        if (decodeSetup is null) return null;

        var transfer = new KvTransfer(cluster.Device, eff, prefillSetup.Kv.BytesPerToken, decodeSetup.Kv.BytesPerToken, SameNode(pl, dl, cluster.GpusPerNode));
        var prefills = new EngineSetup[pl.Count];
        var decodes = new EngineSetup[dl.Count];
        // One pricer per kind of instance is enough (engines step one at a time); each instance has its own cache.
        for (int i = 0; i < prefills.Length; i++) prefills[i] = i == 0 ? prefillSetup : prefillSetup with { Kv = prefillSetup.Kv.Empty() };
        for (int j = 0; j < decodes.Length; j++) decodes[j] = j == 0 ? decodeSetup : decodeSetup with { Kv = decodeSetup.Kv.Empty() };
        var description = new SchedulerSpec(SchedulerKind.Disaggregated, ((DecodeInstanceScheduler)decodeSetup.Scheduler).MaxBatch,
            ((ContinuousScheduler)prefillSetup.Scheduler).MaxTokens, null) { Prefill = pl, Decode = dl }.ToString();
        reason = null;
        return new DisaggregatedSimulation(prefills, decodes, transfer, description, cluster.Gpus);
    }

    public ServingRun Run(RequestSource source, SloSpec? slo, Action<EngineStep>? observer = null) =>
        EngineGroup.Simulate(_prefill, _decode, source, slo, Transfer.Seconds, sharedCache: false, observer, _gpus, Description, DecodeKv);

    /// <summary>[prefill instance, decode instance]: whether the two lie in one node, with the instances laid out prefill
    /// first, then decode, filling nodes of <paramref name="gpusPerNode"/> in order.</summary>
    public static bool[,] SameNode(InstanceLayout pl, InstanceLayout dl, int gpusPerNode)
    {
        var sameNode = new bool[pl.Count, dl.Count];
        int node = gpusPerNode;
        for (int i = 0; i < pl.Count; i++)
            for (int j = 0; j < dl.Count; j++)
            {
                int p0 = i * pl.GpusPerInstance, d0 = pl.Gpus + j * dl.GpusPerInstance;
                sameNode[i, j] = p0 / node == (p0 + pl.GpusPerInstance - 1) / node && p0 / node == d0 / node && d0 / node == (d0 + dl.GpusPerInstance - 1) / node;
            }
        return sameNode;
    }

    /// <summary>The GPUs of one instance: within one node when they fit in one, else whole nodes.</summary>
    public static Cluster? InstanceCluster(Cluster cluster, InstanceLayout layout, string role, out string? reason)
    {
        int g = layout.GpusPerInstance, node = cluster.GpusPerNode;
        reason = null;
        if (g <= node && node % g == 0) return new Cluster(cluster.Device, 1, g);
        if (g % node == 0) return new Cluster(cluster.Device, g / node, node);
        reason = $"disagg: a {role} instance of {layout} takes {g} GPUs, which neither divide nor fill whole nodes of {node}";
        return null;
    }

    private static EngineSetup? Setup(CompiledDeployment compiled, Cluster cluster, EfficiencyProfile eff, long length, IScheduler scheduler, string role,
        long? longestRequest, out string? reason)
    {
        Predictor predictor;
        try { predictor = new Predictor(compiled, cluster, eff); }
        catch (ArgumentException e) { reason = $"{role} instance ({compiled.Deployment}): {e.Message}"; return null; }
        var kv = KvCache.For(compiled, cluster, eff, length, out reason);
        if (kv is null) { reason = $"{role} instance ({compiled.Deployment}): {reason}"; return null; }
        if (kv.CannotHold(longestRequest) is { } why) { reason = $"{role} instance ({compiled.Deployment}): {why}"; return null; }
        return new EngineSetup(new StepPricer(predictor, cluster, eff), scheduler, kv);
    }
}
