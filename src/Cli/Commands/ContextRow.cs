namespace GraphDsl.Cli.Commands;

/// <summary>At one context: each model's largest batch and the decode tokens/s it serves there.</summary>
internal sealed record ContextRow(long Context, long MaxBatchA, double TokensPerSecondA, long MaxBatchB, double TokensPerSecondB)
{
    /// <summary>The first model serves fewer tokens/s than the second from the same GPUs.</summary>
    public bool ADisadvantaged => TokensPerSecondA < TokensPerSecondB;
}
