using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Parallelize;

/// <summary>
/// The parallel layout: <see cref="Tp"/> GPUs split each layer's matrices (Megatron-style), <see cref="Dp"/>
/// replicas of attention each serve a share of the batch, <see cref="Ep"/> shards of every MoE layer's
/// experts over the tp x dp GPUs of a stage (the rest of that group splits each expert, expert-TP), and
/// <see cref="Pp"/> pipeline stages split the layers. GPUs = tp x dp x pp.
/// </summary>
public sealed class ParallelOptions
{
    public ParallelOptions(int tp, int ep, int dp, int pp) { Tp = tp; Ep = ep; Dp = dp; Pp = pp; }

    public int Tp { get; }
    public int Ep { get; }
    public int Dp { get; }
    public int Pp { get; }
    /// <summary>GPUs serving one MoE layer: the stage's tp x dp GPUs.</summary>
    public int MoeGroup => Tp * Dp;
    /// <summary>How many ways each expert is split inside its expert-parallel shard.</summary>
    public int ExpertTp => MoeGroup / Ep;
    public int Gpus => Tp * Dp * Pp;

    public static ParallelOptions From(PassOptions o) =>
        new((int)o.Int("tp"), (int)o.Int("ep"), (int)o.Int("dp"), (int)o.Int("pp"));

    public void Validate()
    {
        if (Tp < 1 || Ep < 1 || Dp < 1 || Pp < 1) throw new PassException($"tp, ep, dp and pp must be at least 1 (got tp={Tp}, ep={Ep}, dp={Dp}, pp={Pp})");
        if (MoeGroup % Ep != 0)
            throw new PassException($"ep={Ep} must divide the {MoeGroup} GPUs of an MoE layer's group (tp x dp = {Tp} x {Dp})");
    }
}
