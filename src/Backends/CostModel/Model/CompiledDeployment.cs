using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>
/// A model compiled for one deployment: the per-GPU module after the pipeline and the two lowered
/// plans. Independent of hardware and workload, so a sweep compiles each deployment once.
/// </summary>
public sealed class CompiledDeployment
{
    static CompiledDeployment() => GraphDsl.Backends.CostModel.Placement.CostModelPasses.Register();

    private CompiledDeployment(Module module, Deployment deployment, string pipeline, CostPlan prefill, CostPlan decode)
    {
        Module = module; Deployment = deployment; Pipeline = pipeline; PrefillPlan = prefill; DecodePlan = decode;
    }

    public Module Module { get; }
    public Deployment Deployment { get; }
    public string Pipeline { get; }
    public CostPlan PrefillPlan { get; }
    public CostPlan DecodePlan { get; }

    /// <summary>
    /// The pipeline run before costing: flatten and fold (inline, canonicalize), the user's passes, logits
    /// for the last position only (prune-logits), the deployment's formats (quantize) and layout
    /// (parallelize), then fusion as engines run it (fuse), unless the user's pipeline names those itself
    /// (e.g. <c>fuse{attention=false,...}</c> to change or disable rules). Passes that work on the
    /// parallelized program (overlap, place-experts) run last, wherever the user wrote them.
    /// </summary>
    public static string PipelineFor(Deployment d, string? userPasses)
    {
        var parts = new List<string> { "inline", "canonicalize" };
        var elements = SplitTopLevel(userPasses ?? "");
        var late = elements.Where(IsLate).ToList();
        var early = string.Join(",", elements.Where(e => !IsLate(e)));
        var user = early.Length == 0 ? new List<string>() : new List<string> { early };
        string Has(string pass) => user.Count > 0 && (user[0].StartsWith(pass, System.StringComparison.Ordinal) || user[0].Contains("," + pass)) ? pass : "";
        parts.AddRange(user);
        if (Has("prune-logits") == "") parts.Insert(2, "prune-logits");
        if (Has("quantize") == "" && (d.Weights != "keep" || d.Kv != "keep")) parts.Add($"quantize{{weights={d.Weights},kv={d.Kv}}}");
        if (Has("parallelize") == "") parts.Add($"parallelize{{tp={d.Tp},ep={d.Ep},dp={d.Dp},pp={d.Pp}}}");
        // Engines run fused kernels; fusing after parallelize keeps groups from crossing collectives.
        if (Has("fuse") == "") parts.Add("fuse");
        parts.AddRange(late);
        return string.Join(",", parts);
    }

    private static bool IsLate(string element) => element.StartsWith("overlap", System.StringComparison.Ordinal) || element.StartsWith("place-experts", System.StringComparison.Ordinal);

    /// <summary>Pipeline elements at brace depth 0 ("a,b{x=1,y=2}" gives "a" and "b{x=1,y=2}").</summary>
    private static List<string> SplitTopLevel(string text)
    {
        var result = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ',' && depth == 0))
            {
                var part = text.Substring(start, i - start).Trim();
                if (part.Length > 0) result.Add(part);
                start = i + 1;
            }
            else if (text[i] == '{') depth++;
            else if (text[i] == '}') depth = System.Math.Max(0, depth - 1);
        }
        return result;
    }

    /// <summary>Runs the pipeline and lowers the result; null with diagnostics when a pass rejects the deployment.</summary>
    public static CompiledDeployment? Compile(Module module, Deployment deployment, string? userPasses, DiagnosticBag diagnostics)
    {
        var text = PipelineFor(deployment, userPasses);
        var pipeline = GraphDsl.Passes.Core.Pipeline.Parse(text, diagnostics);
        if (pipeline is null) return null;
        var run = new PassManager(pipeline).Run(module);
        diagnostics.AddRange(run.Diagnostics);
        if (run.Module is null) return null;
        var atoms = new AtomTable();
        return new CompiledDeployment(run.Module, deployment, pipeline.ToString(),
            CostPlan.Compile(run.Module, CostPhase.Prefill, atoms), CostPlan.Compile(run.Module, CostPhase.Decode, atoms));
    }
}
