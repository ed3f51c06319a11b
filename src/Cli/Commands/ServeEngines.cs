using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving;
using GraphDsl.Backends.Serving.Colocation;
using GraphDsl.Backends.Serving.Disaggregation;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary>serve's engines for a scheduler: one engine (static, continuous, chunked), co-located streams on the deployment,
/// or disaggregated instances, each instance kind compiled on its own layout with the deployment's formats.</summary>
internal static class ServeEngines
{
    /// <summary>The deployment's layout flags, which a disaggregated scheduler's instance layouts replace.</summary>
    public static readonly string[] LayoutKeys = { "tp", "ep", "dp", "pp" };

    /// <summary>Checks a disaggregated scheduler against the command line: its instances use exactly the GPUs (GD0641), each
    /// fits the nodes (GD0640: within one node, or whole nodes; found only after compiling, it exited 1 as if the model were
    /// at fault) and no layout flag competes with their layouts (GD0643).</summary>
    public static void Check(SchedulerSpec scheduler, Cluster cluster, System.Collections.Generic.IEnumerable<string> givenKeys, DiagnosticBag diagnostics)
    {
        if (scheduler.Kind != SchedulerKind.Disaggregated) return;
        if (DisaggregatedSimulation.CheckGpus(scheduler, cluster.Gpus) is { } mismatch)
            diagnostics.Report(DiagnosticCatalog.InstanceGpusMismatch, SourceSpan.None, mismatch);
        foreach (var (layout, role) in new[] { (scheduler.Prefill!, "prefill"), (scheduler.Decode!, "decode") })
            if (DisaggregatedSimulation.InstanceCluster(cluster, layout, role, out var misfit) is null)
                diagnostics.Report(DiagnosticCatalog.InvalidInstanceLayout, SourceSpan.None, misfit!);
        foreach (var key in givenKeys)
            if (System.Array.IndexOf(LayoutKeys, key) >= 0)
                diagnostics.Report(DiagnosticCatalog.InstanceLayoutConflict, SourceSpan.None,
                    $"--{key} conflicts with --scheduler {scheduler}: each instance's layout is given there (e.g. prefill=tp4ep4x1)");
    }

    /// <summary>The simulation; null with the reason the deployment cannot serve (or after reporting a compile error).</summary>
    public static IServingSimulation? Prepare(Module module, Deployment deployment, Pipeline passes, Predictor? predictor, Cluster cluster,
        EfficiencyProfile eff, SchedulerSpec scheduler, double meanLength, long? longest, DiagnosticBag diagnostics, out string? reason)
    {
        reason = null;
        switch (scheduler.Kind)
        {
            case SchedulerKind.Disaggregated:
                var prefill = CompiledDeployment.Compile(module, DisaggregatedSimulation.InstanceDeployment(deployment, scheduler.Prefill!), passes, diagnostics);
                var decode = prefill is null ? null
                    : scheduler.Decode! with { Count = 1 } == scheduler.Prefill! with { Count = 1 } ? prefill
                    : CompiledDeployment.Compile(module, DisaggregatedSimulation.InstanceDeployment(deployment, scheduler.Decode!), passes, diagnostics);
                if (prefill is null || decode is null) return null;
                return DisaggregatedSimulation.Prepare(prefill, decode, cluster, eff, scheduler, meanLength, longest, out reason);
            case SchedulerKind.Colocated:
                return ColocatedSimulation.Prepare(predictor!, cluster, eff, scheduler, meanLength, longest, out reason);
            default:
                return ServingSimulation.Prepare(predictor!, cluster, eff, scheduler, meanLength, longest, out reason);
        }
    }
}
