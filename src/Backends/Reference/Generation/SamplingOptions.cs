namespace GraphDsl.Backends.Reference.Generation;

/// <summary>How the next token is chosen: greedy at temperature 0, else sampled with a seeded generator.</summary>
public sealed class SamplingOptions
{
    public static readonly SamplingOptions Greedy = new();

    /// <summary>0 picks the most likely token (lowest index on ties); above 0 samples softmax(logits / T).</summary>
    public double Temperature { get; init; }

    /// <summary>Seed of the sampling generator; the same seed gives the same tokens.</summary>
    public ulong Seed { get; init; }

    /// <summary>Generation stops after emitting this token, when set.</summary>
    public int? StopToken { get; init; }
}
