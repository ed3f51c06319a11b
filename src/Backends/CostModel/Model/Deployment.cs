namespace GraphDsl.Backends.CostModel.Model;

/// <summary>How a model is deployed: parallel layout and numeric formats ("keep" leaves the spec's).
/// <see cref="Redundant"/> expert slots per MoE layer hold replicas of popular experts; <see cref="MoeComm"/>
/// says how data-parallel attention reaches the experts (the parallelize pass's <c>moe_comm</c>: auto,
/// all_to_all or all_gather).</summary>
public sealed record Deployment(int Tp = 1, int Ep = 1, int Dp = 1, int Pp = 1, string Weights = "keep", string Kv = "keep")
{
    public int Redundant { get; init; }
    public string MoeComm { get; init; } = "auto";

    public int Gpus => Tp * Dp * Pp;

    /// <summary>The parallelize options of this layout, as a pipeline element's options (defaults left out).</summary>
    public string ParallelizeOptions =>
        $"tp={Tp},ep={Ep},dp={Dp},pp={Pp}" + (Redundant > 0 ? $",redundant={Redundant}" : "") + (MoeComm != "auto" ? $",moe_comm={MoeComm}" : "");

    public override string ToString() =>
        $"tp={Tp} ep={Ep} dp={Dp} pp={Pp}" + (Redundant > 0 ? $" redundant={Redundant}" : "") + (MoeComm != "auto" ? $" moe_comm={MoeComm}" : "") +
        $" weights={Weights} kv={Kv}";
}

/// <summary>What is served: <see cref="Batch"/> sequences in flight over the whole deployment, prompts
/// of <see cref="Prompt"/> tokens (prefill), the decode step predicted at <see cref="Context"/> tokens in
/// the KV cache, and optionally <see cref="Output"/> tokens generated per request (end-to-end throughput).</summary>
public sealed record Workload(long Batch, long Prompt, long Context, long Output = 0, double? TpotSloMs = null)
{
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
