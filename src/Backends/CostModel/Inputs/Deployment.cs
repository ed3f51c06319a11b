using System.Collections.Generic;
using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>How a model is deployed: parallel layout and numeric formats ("keep" leaves the spec's).
/// <see cref="Redundant"/> expert slots per MoE layer hold replicas of popular experts; <see cref="MoeComm"/>
/// says how data-parallel attention reaches the experts (the parallelize pass's <c>moe_comm</c>: auto,
/// all_to_all or all_gather); <see cref="Activations"/> is the quantize pass's <c>activations</c>.
/// It is the parallelize and quantize elements of the pipeline the cost model runs, as a value: see
/// <see cref="DeploymentPipeline"/>.</summary>
public sealed record Deployment(int Tp = 1, int Ep = 1, int Dp = 1, int Pp = 1, string Weights = "keep", string Kv = "keep")
{
    public int Redundant { get; init; }
    public string MoeComm { get; init; } = "auto";
    public string Activations { get; init; } = "keep";

    public int Gpus => Tp * Dp * Pp;

    /// <summary>This layout as a parallelize element: tp, ep, dp and pp always, redundant and moe_comm where
    /// they are not the pass's defaults.</summary>
    public PipelineElement ParallelizeElement()
    {
        var options = new List<(string, string)> { ("tp", I(Tp)), ("ep", I(Ep)), ("dp", I(Dp)), ("pp", I(Pp)) };
        if (Redundant != 0) options.Add(("redundant", I(Redundant)));
        if (MoeComm != "auto") options.Add(("moe_comm", MoeComm));
        return PipelineElement.Create("parallelize", options.ToArray());
    }

    /// <summary>These formats as a quantize element, each where it is not "keep" (the pass's default, so a pipeline's
    /// quantize can still set it); null when every format is "keep".</summary>
    public PipelineElement? QuantizeElement()
    {
        var options = new List<(string, string)>();
        if (Weights != "keep") options.Add(("weights", Weights));
        if (Kv != "keep") options.Add(("kv", Kv));
        if (Activations != "keep") options.Add(("activations", Activations));
        return options.Count == 0 ? null : PipelineElement.Create("quantize", options.ToArray());
    }

    /// <summary>The deployment a parallelize element (and a quantize element, when there is one) describe, each
    /// option at its pass default where the element does not set it.</summary>
    public static Deployment From(PipelineElement parallelize, PipelineElement? quantize)
    {
        var p = parallelize.Options;
        var q = quantize?.Options;
        return new Deployment((int)p.Int("tp"), (int)p.Int("ep"), (int)p.Int("dp"), (int)p.Int("pp"), q?.String("weights") ?? "keep", q?.String("kv") ?? "keep")
        {
            Redundant = (int)p.Int("redundant"),
            MoeComm = p.String("moe_comm") ?? "auto",
            Activations = q?.String("activations") ?? "keep",
        };
    }

    private static string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() =>
        $"tp={Tp} ep={Ep} dp={Dp} pp={Pp}" + (Redundant > 0 ? $" redundant={Redundant}" : "") + (MoeComm != "auto" ? $" moe_comm={MoeComm}" : "") +
        $" weights={Weights} kv={Kv}" + (Activations != "keep" ? $" activations={Activations}" : "");
}
