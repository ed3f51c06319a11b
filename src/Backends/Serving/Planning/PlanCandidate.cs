using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>How a candidate serves: one engine doing prefill and decode (aggregated). A disaggregated kind (xPyD: x
/// prefill instances and y decode instances, the KV cache sent between them) is a second <see cref="ICandidateFamily"/>
/// whose candidates carry this kind; the planner screens, simulates and ranks every family's candidates alike.</summary>
public enum PlanKind { Aggregated }

/// <summary>
/// One deployment the planner considers: its kind, the cluster (device, GPUs, nodes), the layout and formats
/// (<see cref="Deployment"/>: tp, ep, dp, pp, redundant expert slots, weights, KV) and the engine's scheduler settings
/// (max batch and chunk budget). A disaggregated candidate adds its second instance's deployment and scheduler in a
/// record of its own; everything the planner reports comes through <see cref="Describe"/> and the figures.
/// </summary>
public sealed record PlanCandidate(PlanKind Kind, PlanTarget Target, Deployment Deployment, SchedulerSpec Scheduler)
{
    public Cluster Cluster => Target.Cluster;
    public int Gpus => Cluster.Gpus;

    /// <summary>"8 x h200-sxm aggregated tp=8 ep=8 dp=1 pp=1 weights=fp8 kv=keep chunked{budget=2048,max_batch=64}".</summary>
    public string Describe() =>
        $"{Cluster.Gpus} x {Cluster.Device.Id} {Kind.ToString().ToLowerInvariant()} {Deployment} {Scheduler}";
}

/// <summary>A cluster the planner may deploy on, with the efficiency profile that prices it (the engine's, by the
/// device's vendor).</summary>
public sealed record PlanTarget(Cluster Cluster, EfficiencyProfile Efficiency);
