using System.Collections.Generic;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Passes.Quantize;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>How a model is deployed: its parallel <see cref="Layout"/> (tp, ep, dp, pp, redundant expert slots and how
/// data-parallel attention reaches the experts: the parallelize pass's own layout type) and numeric formats ("keep"
/// leaves the spec's); <see cref="Activations"/> is the quantize pass's <c>activations</c>.
/// It is the parallelize and quantize elements of the pipeline the cost model runs, as a value: see
/// <see cref="DeploymentPipeline"/>.</summary>
public sealed record Deployment(ParallelLayout Layout, string Weights = NumericFormat.Keep, string Kv = NumericFormat.Keep)
{
    public string Activations { get; init; } = NumericFormat.Keep;

    public int Gpus => Layout.Gpus;

    /// <summary>This layout as a parallelize element: tp, ep, dp and pp always, redundant and moe_comm where
    /// they are not the pass's defaults.</summary>
    public PipelineElement ParallelizeElement() => Layout.ToElement();

    /// <summary>These formats as a quantize element, each where it is not "keep" (the pass's default, so a pipeline's
    /// quantize can still set it); null when every format is "keep".</summary>
    public PipelineElement? QuantizeElement()
    {
        var options = new List<(string, string)>();
        if (Weights != NumericFormat.Keep) options.Add(("weights", Weights));
        if (Kv != NumericFormat.Keep) options.Add(("kv", Kv));
        if (Activations != NumericFormat.Keep) options.Add(("activations", Activations));
        return options.Count == 0 ? null : PipelineElement.Create("quantize", options.ToArray());
    }

    /// <summary>The deployment a parallelize element (and a quantize element, when there is one) describe, each
    /// option at its pass default where the element does not set it.</summary>
    public static Deployment From(PipelineElement parallelize, PipelineElement? quantize)
    {
        var q = quantize is null ? null : QuantizeOptions.Bind(quantize.Options);
        return new Deployment(ParallelLayout.Bind(parallelize.Options), q?.Weights ?? NumericFormat.Keep, q?.Kv ?? NumericFormat.Keep)
        {
            Activations = q?.Activations ?? NumericFormat.Keep,
        };
    }

    public override string ToString() =>
        $"{Layout} weights={Weights} kv={Kv}" + (Activations != NumericFormat.Keep ? $" activations={Activations}" : "");
}
