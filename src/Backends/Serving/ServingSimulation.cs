using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Metrics;
using GraphDsl.Backends.Serving.Scheduling;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;

namespace GraphDsl.Backends.Serving;

/// <summary>A simulated run: the report, the scheduler with its limits, and the KV cache it ran with.</summary>
public sealed record ServingRun(ServingReport Report, string Scheduler, KvCache Kv);

/// <summary>
/// <c>graphdsl serve</c> without the command line: a deployment (its predictor, cluster and efficiency profile), traffic and
/// a scheduler in, a <see cref="ServingRun"/> out. <see cref="Prepare"/> checks that the deployment can serve the
/// workload before anything is simulated; <see cref="Run"/> simulates.
/// </summary>
public sealed class ServingSimulation : IServingSimulation
{
    private readonly Predictor _predictor;
    private readonly Cluster _cluster;
    private readonly StepPricer _pricer;

    private ServingSimulation(Predictor predictor, Cluster cluster, EfficiencyProfile eff, KvCache kv, IScheduler scheduler)
    {
        _predictor = predictor; _cluster = cluster; Kv = kv; Scheduler = scheduler;
        _pricer = new StepPricer(predictor, cluster, eff);
    }

    public KvCache Kv { get; }
    public IScheduler Scheduler { get; }
    public StepPricer Pricer => _pricer;

    /// <summary>Sizes the KV cache for the workload and makes the scheduler; null with the reason when the deployment cannot
    /// serve it (its weights leave no room for the cache, or a request of the workload's fixed or bounded lengths cannot
    /// fit in the whole cache). <paramref name="meanLength"/> is the workload's mean prompt + output tokens.</summary>
    public static ServingSimulation? Prepare(Predictor predictor, Cluster cluster, EfficiencyProfile eff, SchedulerSpec scheduler,
        double meanLength, long? longestRequest, out string? reason)
    {
        var kv = KvCache.For(predictor.Compiled, cluster, eff, Math.Max(1, (long)Math.Round(meanLength)), out reason);
        if (kv is null) return null;
        if (scheduler.PrefixCaching == true) kv.WithPrefixCaching();
        reason = kv.CannotHold(longestRequest);
        if (reason is not null) return null;
        return new ServingSimulation(predictor, cluster, eff, kv, SchedulerFactory.Create(scheduler, eff));
    }

    /// <summary>The longest request a workload spec can send, when its lengths are bounded (fixed or uniform); null otherwise.</summary>
    public static long? LongestRequest(WorkloadSpec w) =>
        w.Kind == WorkloadKind.Trace || w.Prompt.Kind == LengthKind.LogNormal || w.Output.Kind == LengthKind.LogNormal ? null : w.Prompt.Max + w.Output.Max;

    /// <summary>"chunked{budget=2048,max_batch=256}" as "chunked{budget=2048,max_batch=256,prefix_caching=on}".</summary>
    private static string WithPrefixCaching(string description) =>
        description.EndsWith('}') ? description[..^1] + ",prefix_caching=on}" : description + "{prefix_caching=on}";

    /// <summary>Simulates the requests of <paramref name="source"/> to the last completion.</summary>
    public ServingRun Run(RequestSource source, SloSpec? slo, Action<EngineStep>? observer = null)
    {
        var metrics = new ServingMetrics(slo);
        var engine = new EngineSimulator(_pricer, Scheduler, Kv, source, metrics, observer);
        engine.Run();
        var report = metrics.Report(_cluster.Gpus, Kv.TotalBlocks, KvCache.BlockTokens, engine.BusySeconds);
        if (Kv.Prefixes is { } p)
            report = report with
            {
                PrefixCacheHitRate = p.QueriedTokens > 0 ? (double)p.HitTokens / p.QueriedTokens : 0,
                PrefixCacheHits = p.Hits, PrefixCacheHitTokens = p.HitTokens, PrefixCacheEvictions = p.Evictions,
            };
        return new ServingRun(report, Kv.Prefixes is null ? Scheduler.Description : WithPrefixCaching(Scheduler.Description), Kv);
    }
}
