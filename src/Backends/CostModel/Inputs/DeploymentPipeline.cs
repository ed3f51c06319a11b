using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// The pipeline run before costing, built as a value from a deployment and the user's pipeline (never by
/// splicing text): flatten and fold (inline, canonicalize), the user's other passes, logits for the last position
/// only (prune-logits), the deployment's formats (quantize) and layout (parallelize), then fusion as engines run
/// it (fuse); passes that work on the parallelized program (overlap, place-experts) run last.
/// <para>A pass with a fixed place that the user's pipeline names runs at that place whatever order it was written
/// in, composed with the deployment's element key by key (<c>fuse{attention=false}</c> changes fusion without moving
/// it before parallelize; <c>quantize{activations=fp8}</c> joins the deployment's weights and KV formats). Two
/// elements of one such pass compose too; one option set to two values is refused (GD0509 between the user's
/// elements, GD0618 against the deployment), never dropped.</para>
/// </summary>
public static class DeploymentPipeline
{
    /// <summary>Passes with a fixed place, in the order they run (the flattening pipeline, then prune-logits); the
    /// user's other passes run after "Early".</summary>
    private static readonly string[] Early = StandardPipelines.Flatten.Elements.Select(e => e.Info.Name).Append("prune-logits").ToArray();
    private static readonly string[] Late = { "overlap", "place-experts" };

    /// <summary>Passes that run at their own place, composed with the deployment's element.</summary>
    private static readonly HashSet<string> FixedPlace = new(Early.Concat(Late)) { "quantize", "parallelize", "fuse" };

    /// <summary>The user's pipeline with the elements of each pass that has a fixed place (inline, canonicalize,
    /// prune-logits, quantize, parallelize, fuse) composed into one, where the first was written; null after reporting
    /// two that set one option to different values (GD0509). Commands check --passes with it before reading a file.</summary>
    public static Pipeline? ComposeFixedPlace(Pipeline user, DiagnosticBag diagnostics)
    {
        var elements = new List<PipelineElement>();
        bool ok = true;
        foreach (var e in user.Elements)
        {
            if (!FixedPlace.Contains(e.Info.Name) || Late.Contains(e.Info.Name)) { elements.Add(e); continue; }
            if (elements.Any(x => x.Info == e.Info)) continue;
            var composed = user.Composed(e.Info.Name, diagnostics, out var good);
            ok &= good;
            if (composed is not null) elements.Add(composed);
        }
        return ok ? new Pipeline(elements) : null;
    }

    /// <summary>The pipeline for <paramref name="deployment"/> around the user's; null (with diagnostics) on a conflict.
    /// <paramref name="effective"/> is the deployment the composed quantize and parallelize elements describe: the
    /// given one, with what the user's elements add (redundant, moe_comm, activations or formats left at "keep").</summary>
    public static Pipeline? For(Deployment deployment, Pipeline user, DiagnosticBag diagnostics, out Deployment effective)
    {
        effective = deployment;
        bool ok = true;
        PipelineElement? User(string pass)
        {
            var e = user.Composed(pass, diagnostics, out var good);
            ok &= good;
            return e;
        }
        PipelineElement? WithDeployment(PipelineElement? mine, PipelineElement? users)
        {
            if (mine is null || users is null) return mine ?? users;
            var composed = mine.ComposeWith(users, out var key);
            if (composed is null)
            {
                var span = users.Column > 0 ? SourceSpan.At(Pipeline.SourceName, 1, users.Column, users.Info.Name.Length, users.Column - 1) : SourceSpan.None;
                diagnostics.Report(DiagnosticCatalog.PipelineContradictsDeployment, span, users.ToString(), key!, users.Given(key!)!, mine.Given(key!)!);
                ok = false;
            }
            return composed;
        }

        var elements = new List<PipelineElement>();
        foreach (var pass in Early) elements.Add(User(pass) ?? PipelineElement.Create(pass));
        elements.AddRange(user.Elements.Where(e => !FixedPlace.Contains(e.Info.Name)));
        var quantize = WithDeployment(deployment.QuantizeElement(), User("quantize"));
        var parallelize = WithDeployment(deployment.ParallelizeElement(), User("parallelize"))!;
        if (quantize is not null) elements.Add(quantize);
        elements.Add(parallelize);
        // Engines run fused kernels; fusing after parallelize keeps groups from crossing collectives.
        elements.Add(User("fuse") ?? PipelineElement.Create("fuse"));
        foreach (var pass in Late) elements.AddRange(user.Of(pass));
        if (!ok) return null;
        effective = Deployment.From(parallelize, quantize);
        return new Pipeline(elements);
    }
}
