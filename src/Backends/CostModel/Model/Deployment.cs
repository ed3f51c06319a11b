namespace GraphDsl.Backends.CostModel.Model;

/// <summary>How a model is deployed: parallel layout and numeric formats ("keep" leaves the spec's).</summary>
public sealed record Deployment(int Tp = 1, int Ep = 1, int Dp = 1, int Pp = 1, string Weights = "keep", string Kv = "keep")
{
    public int Gpus => Tp * Dp * Pp;
    public override string ToString() => $"tp={Tp} ep={Ep} dp={Dp} pp={Pp} weights={Weights} kv={Kv}";
}

/// <summary>What is served: <see cref="Batch"/> sequences in flight over the whole deployment, prompts
/// of <see cref="Prompt"/> tokens (prefill), the decode step predicted at <see cref="Context"/> tokens in
/// the KV cache, and optionally <see cref="Output"/> tokens generated per request (end-to-end throughput).</summary>
public sealed record Workload(long Batch, long Prompt, long Context, long Output = 0, double? TpotSloMs = null);
