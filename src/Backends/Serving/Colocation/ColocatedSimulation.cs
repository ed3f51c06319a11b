using System;
using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Scheduling;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Serving.Colocation;

/// <summary>
/// Prefill and decode at once on the same GPUs with a compute split (<c>colocated{prefill_share=S}</c>, RAPID-Serve,
/// arXiv 2601.11822: a prefill stream and a decode stream, the prefill on S of the compute units by CU masking). Two
/// engines on one clock (<see cref="EngineGroup"/>) over one deployment and one paged KV cache: the prefill stream runs
/// whole prompts (batched up to max_tokens), and a request whose prefill emits its first token joins the decode stream
/// at once, its blocks staying where they are (no transfer); the decode stream runs continuous batching. Each stream's
/// steps are priced by the step evaluator on the device with its share of the compute (every peak FLOP/s scaled by S or
/// 1 - S) and the whole HBM bandwidth and links: a memory-bound kernel reaches most of the bandwidth on a fraction of the
/// compute units (NanoFlow, OSDI '25, splits SMs between overlapped compute-, memory- and network-bound operations for
/// this reason; POD-Attention, ASPLOS '25, runs prefill and decode attention on the same SMs so that one uses the compute
/// and the other the bandwidth), and the compute-bound prefill stream draws little of it. Not splitting bandwidth is
/// therefore the optimistic bound: both streams' memory traffic is not charged against the other's.
/// </summary>
public sealed class ColocatedSimulation : IServingSimulation
{
    private readonly EngineSetup _prefill, _decode;
    private readonly int _gpus;

    private ColocatedSimulation(EngineSetup prefill, EngineSetup decode, string description, int gpus)
    {
        _prefill = prefill; _decode = decode; Description = description; _gpus = gpus;
    }

    public string Description { get; }
    public KvCache Kv => _prefill.Kv;
    public StepPricer PrefillPricer => _prefill.Pricer;
    public StepPricer DecodePricer => _decode.Pricer;

    /// <summary>The cluster with <paramref name="share"/> of each device's compute (every dense peak scaled; bandwidths whole).</summary>
    public static Cluster WithComputeShare(Cluster cluster, double share)
    {
        var peaks = new Dictionary<MathType, double>();
        foreach (var (type, flops) in cluster.Device.PeakFlops) peaks[type] = flops * share;
        var device = cluster.Device with { PeakFlops = peaks, SmCount = Math.Max(1, (int)Math.Round(cluster.Device.SmCount * share)) };
        return cluster with { Device = device };
    }

    /// <summary>The two streams of <paramref name="spec"/> on <paramref name="predictor"/>'s deployment; null with the reason
    /// when it cannot serve the workload (as <see cref="ServingSimulation.Prepare"/>).</summary>
    public static ColocatedSimulation? Prepare(Predictor predictor, Cluster cluster, EfficiencyProfile eff, SchedulerSpec spec,
        double meanLength, long? longestRequest, out string? reason)
    {
        if (spec.Kind != SchedulerKind.Colocated || spec.PrefillShare is not { } share) throw new ArgumentException($"{spec} is not a co-located scheduler");
        var kv = KvCache.For(predictor.Compiled, cluster, eff, Math.Max(1, (long)Math.Round(meanLength)), out reason);
        if (kv is null) return null;
        reason = kv.CannotHold(longestRequest);
        if (reason is not null) return null;
        StepPricer Stream(double s)
        {
            var c = WithComputeShare(cluster, s);
            return new StepPricer(new Predictor(predictor.Compiled, c, eff) { Routing = predictor.Routing }, c, eff);
        }
        var prefill = new EngineSetup(Stream(share), SchedulerFactory.PrefillInstance(spec, eff), kv);
        var decode = new EngineSetup(Stream(1 - share), SchedulerFactory.DecodeInstance(spec), kv);
        var description = new SchedulerSpec(SchedulerKind.Colocated, ((DecodeInstanceScheduler)decode.Scheduler).MaxBatch,
            ((ContinuousScheduler)prefill.Scheduler).MaxTokens, null) { PrefillShare = share }.ToString();
        reason = null;
        return new ColocatedSimulation(prefill, decode, description, cluster.Gpus);
    }

    public ServingRun Run(RequestSource source, SloSpec? slo, Action<EngineStep>? observer = null) =>
        EngineGroup.Simulate(new[] { _prefill }, new[] { _decode }, source, slo, static (_, _, _) => 0, sharedCache: true, observer, _gpus, Description, Kv);
}
