namespace GraphDsl.Backends.CostModel.Inputs;

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
