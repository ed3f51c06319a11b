using System.Linq;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// A model compiled for one deployment: the per-GPU module after the pipeline and the two lowered
/// plans. Independent of hardware and workload, so a sweep compiles each deployment once.
/// </summary>
public sealed class CompiledDeployment
{
    private CompiledDeployment(Module module, Deployment deployment, Pipeline pipeline, CostPlan prefill, CostPlan decode)
    {
        Module = module; Deployment = deployment; Pipeline = pipeline; PrefillPlan = prefill; DecodePlan = decode;
    }

    public Module Module { get; }
    /// <summary>The deployment the pipeline ran with (the one asked for, with what the user's quantize and
    /// parallelize elements add): what the cost model prices and what reports show.</summary>
    public Deployment Deployment { get; }
    /// <summary>The pipeline that ran.</summary>
    public Pipeline Pipeline { get; }
    public CostPlan PrefillPlan { get; }
    public CostPlan DecodePlan { get; }

    /// <summary>Why this deployment's expert parallelism describes nothing the model has (ep above 1 or redundant expert
    /// slots on a model without MoE layers: the layout printed "tp=2 ep=2" for a dense model and a sweep ranked such rows
    /// beside their identical ep=1 twins), or null. The planner offers such models ep=1 only, for the same reason.</summary>
    public string? ExpertLayoutProblem()
    {
        var l = Deployment.Layout;
        if ((l.Ep <= 1 && l.Redundant == 0) || DecodePlan.Entries.Any(e => e.IsMoe) || PrefillPlan.Entries.Any(e => e.IsMoe)) return null;
        var asked = string.Join(" and ", new[] { l.Ep > 1 ? $"ep={l.Ep}" : null, l.Redundant > 0 ? $"redundant={l.Redundant}" : null }.OfType<string>());
        return $"{asked}: expert parallelism splits the experts of MoE layers, but {Module.Name} as compiled has none (no MoE layer, or --passes removed them); use ep=1 and redundant=0";
    }

    /// <summary>Parses the user's pipeline text (its errors point into it) and compiles; see <see cref="DeploymentPipeline"/>.</summary>
    public static CompiledDeployment? Compile(Module module, Deployment deployment, string? userPasses, DiagnosticBag diagnostics)
    {
        var user = Pipeline.Parse(userPasses ?? "", diagnostics);
        return user is null ? null : Compile(module, deployment, user, diagnostics);
    }

    /// <summary>Runs the deployment's pipeline and lowers the result; null with diagnostics when the pipelines conflict
    /// or a pass rejects the deployment.</summary>
    public static CompiledDeployment? Compile(Module module, Deployment deployment, Pipeline user, DiagnosticBag diagnostics)
    {
        var pipeline = DeploymentPipeline.For(deployment, user, diagnostics, out var effective);
        if (pipeline is null) return null;
        var run = new PassManager(pipeline).Run(module);
        diagnostics.AddRange(run.Diagnostics);
        if (run.Module is null) return null;
        var atoms = new AtomTable();
        return new CompiledDeployment(run.Module, effective, pipeline,
            CostPlan.Compile(run.Module, CostPhase.Prefill, atoms), CostPlan.Compile(run.Module, CostPhase.Decode, atoms));
    }
}
