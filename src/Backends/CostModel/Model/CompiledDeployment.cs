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
    /// (e.g. <c>fuse{attention=false,...}</c> to change or disable rules): those run at their own place
    /// whatever order the user wrote them in. Passes that work on the parallelized program (overlap,
    /// place-experts) run last; any other pass runs right after canonicalize.
    /// </summary>
    public static string PipelineFor(Deployment d, string? userPasses)
    {
        // Passes with a fixed place take the user's options at that place; the rest run after canonicalize.
        var elements = SplitTopLevel(userPasses ?? "");
        string? User(string pass) => elements.LastOrDefault(e => Name(e) == pass);
        var slotted = new HashSet<string> { "inline", "canonicalize", "prune-logits", "quantize", "parallelize", "fuse" };
        var parts = new List<string> { "inline", "canonicalize", User("prune-logits") ?? "prune-logits" };
        parts.AddRange(elements.Where(e => !slotted.Contains(Name(e)) && !IsLate(e)));
        if (User("quantize") is { } q) parts.Add(q);
        else if (d.Weights != "keep" || d.Kv != "keep") parts.Add($"quantize{{weights={d.Weights},kv={d.Kv}}}");
        parts.Add(User("parallelize") ?? $"parallelize{{{d.ParallelizeOptions}}}");
        // Engines run fused kernels; fusing after parallelize keeps groups from crossing collectives.
        parts.Add(User("fuse") ?? "fuse");
        parts.AddRange(elements.Where(IsLate));
        return string.Join(",", parts);
    }

    private static string Name(string element)
    {
        int brace = element.IndexOf('{');
        return (brace < 0 ? element : element.Substring(0, brace)).Trim();
    }

    private static bool IsLate(string element) => Name(element) is "overlap" or "place-experts";

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
        // The user's pipeline is parsed on its own first: its errors then point into the text as written, and a
        // malformed element ("fuse{", "inline{x=1}") cannot be dropped silently when it is spliced in below.
        if (GraphDsl.Passes.Core.Pipeline.Parse(userPasses ?? "", diagnostics) is null) return null;
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
