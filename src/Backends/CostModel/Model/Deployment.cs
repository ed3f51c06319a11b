using System.Collections.Generic;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Passes.Quantize;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>How a model is deployed: parallel layout and numeric formats ("keep" leaves the spec's).
/// <see cref="Redundant"/> expert slots per MoE layer hold replicas of popular experts; <see cref="MoeComm"/>
/// says how data-parallel attention reaches the experts (the parallelize pass's <c>moe_comm</c>: auto,
/// all_to_all or all_gather); <see cref="Activations"/> is the quantize pass's <c>activations</c>.
/// It is the parallelize and quantize elements of the pipeline the cost model runs, as a value: see
/// <see cref="DeploymentPipeline"/>.</summary>
public sealed record Deployment(int Tp = 1, int Ep = 1, int Dp = 1, int Pp = 1, string Weights = NumericFormat.Keep, string Kv = NumericFormat.Keep)
{
    public int Redundant { get; init; }
    public string MoeComm { get; init; } = "auto";
    public string Activations { get; init; } = NumericFormat.Keep;

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
        if (Weights != NumericFormat.Keep) options.Add(("weights", Weights));
        if (Kv != NumericFormat.Keep) options.Add(("kv", Kv));
        if (Activations != NumericFormat.Keep) options.Add(("activations", Activations));
        return options.Count == 0 ? null : PipelineElement.Create("quantize", options.ToArray());
    }

    /// <summary>The deployment a parallelize element (and a quantize element, when there is one) describe, each
    /// option at its pass default where the element does not set it.</summary>
    public static Deployment From(PipelineElement parallelize, PipelineElement? quantize)
    {
        var p = ParallelOptions.Bind(parallelize.Options);
        var q = quantize is null ? null : QuantizeOptions.Bind(quantize.Options);
        return new Deployment(p.Tp, p.Ep, p.Dp, p.Pp, q?.Weights ?? NumericFormat.Keep, q?.Kv ?? NumericFormat.Keep)
        {
            Redundant = p.Redundant,
            MoeComm = ParallelOptions.MoeCommNames[(int)p.MoeComm],
            Activations = q?.Activations ?? NumericFormat.Keep,
        };
    }

    private static string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() =>
        $"tp={Tp} ep={Ep} dp={Dp} pp={Pp}" + (Redundant > 0 ? $" redundant={Redundant}" : "") + (MoeComm != "auto" ? $" moe_comm={MoeComm}" : "") +
        $" weights={Weights} kv={Kv}" + (Activations != NumericFormat.Keep ? $" activations={Activations}" : "");
}

/// <summary>What is served: <see cref="Batch"/> sequences in flight over the whole deployment, prompts
/// of <see cref="Prompt"/> tokens (prefill), the decode step predicted at <see cref="Context"/> tokens in
/// the KV cache, and optionally <see cref="Output"/> tokens generated per request (end-to-end throughput).</summary>
public sealed record Workload(long Batch, long Prompt, long Context, long Output = 0, double? TpotSloMs = null)
{
    /// <summary>Speculative decoding the engine runs (MTP module or draft model, draft tokens, acceptance), or null.</summary>
    public Speculation? Speculation { get; init; }

    /// <summary>
    /// The largest batch, prompt, context or output length a workload may name: 2^31 (2.1 billion), two
    /// hundred times the longest context served today. A product of two such counts fits in a long, so
    /// nothing the predictor multiplies wraps around to a negative memory or FLOP count.
    /// </summary>
    public const long MaxTokens = 1L << 31;

    /// <summary>Why the workload cannot be predicted (a count below its minimum or above <see cref="MaxTokens"/>, an SLO that
    /// is not a positive finite number), or null.</summary>
    public string? Problem()
    {
        static bool In(long v, long min) => v >= min && v <= MaxTokens;
        if (!In(Batch, 1)) return $"the batch ({Batch}) must be from 1 to {MaxTokens}";
        if (!In(Prompt, 1)) return $"the prompt ({Prompt} tokens) must be from 1 to {MaxTokens}";
        if (!In(Context, 1)) return $"the context ({Context} tokens) must be from 1 to {MaxTokens}";
        if (!In(Output, 0)) return $"the output ({Output} tokens) must be from 0 to {MaxTokens}";
        if (TpotSloMs is { } slo && !(slo > 0 && double.IsFinite(slo))) return $"the TPOT target ({slo} ms) must be a positive number";
        return null;
    }
}
