using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>How a candidate serves: one engine doing prefill and decode (aggregated, <see cref="AggregatedFamily"/>), or
/// x prefill instances and y decode instances with the KV cache sent between them (disaggregated, xPyD,
/// <see cref="DisaggregatedFamily"/>). The planner screens, simulates and ranks every family's candidates alike.</summary>
public enum PlanKind { Aggregated, Disaggregated }

/// <summary>
/// One deployment the planner considers: its kind, the cluster (device, GPUs, nodes), the layout and formats
/// (<see cref="Deployment"/>: tp, ep, dp, pp, redundant expert slots, weights, KV) and the engine's scheduler settings
/// (max batch and chunk budget). A disaggregated candidate's <see cref="Deployment"/> is its prefill instances' and
/// <see cref="DecodeDeployment"/> its decode instances'; its scheduler is <c>disagg{prefill=...,decode=...}</c> with the
/// instance counts. Everything the planner reports comes through <see cref="Describe"/> and the figures.
/// </summary>
public sealed record PlanCandidate(PlanKind Kind, PlanTarget Target, Deployment Deployment, SchedulerSpec Scheduler)
{
    public Cluster Cluster => Target.Cluster;
    public int Gpus => Cluster.Gpus;

    /// <summary>The decode instances' deployment (disaggregated candidates only).</summary>
    public Deployment? DecodeDeployment { get; init; }

    /// <summary>What the candidate deploys, without its scheduler limits: candidates of one shape differ only in limits.</summary>
    public (PlanTarget Target, Deployment Deployment, Deployment? Decode, InstanceLayout? PrefillInstances, InstanceLayout? DecodeInstances) Shape =>
        (Target, Deployment, DecodeDeployment, Scheduler.Prefill, Scheduler.Decode);

    /// <summary>"8 x h200-sxm aggregated tp=8 ep=8 dp=1 pp=1 weights=fp8 kv=keep chunked{budget=2048,max_batch=64}", or
    /// "16 x h200-sxm disaggregated weights=fp8 kv=keep disagg{prefill=tp8x1,decode=dp8ep8x1,max_batch=256}".</summary>
    public string Describe() => Kind == PlanKind.Disaggregated
        ? $"{Cluster.Gpus} x {Cluster.Device.Id} disaggregated weights={Deployment.Weights} kv={Deployment.Kv} {Scheduler}"
        : $"{Cluster.Gpus} x {Cluster.Device.Id} {Kind.ToString().ToLowerInvariant()} {Deployment} {Scheduler}";
}

/// <summary>A cluster the planner may deploy on, with the efficiency profile that prices it (the engine's, by the
/// device's vendor).</summary>
public sealed record PlanTarget(Cluster Cluster, EfficiencyProfile Efficiency);
