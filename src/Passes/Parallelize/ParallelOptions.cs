using System;
using System.Collections.Generic;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Parallelize;

/// <summary>How an MoE layer's tokens reach its experts when attention is data-parallel (docs/passes.md, "MoE communication").</summary>
public enum MoeCommunication
{
    /// <summary>All-to-all when every expert is whole on one GPU (ep = tp x dp), else all-gather.</summary>
    Auto,
    /// <summary>Dispatch and combine all-to-alls that send a token once to each GPU holding one of its experts (DeepEP's normal kernels).</summary>
    AllToAll,
    /// <summary>Every GPU gathers every replica's tokens and the partial outputs are reduce-scattered back
    /// (TensorRT-LLM's attention-DP MoE without its all-to-all backend).</summary>
    AllGather,
}

/// <summary>
/// The parallel layout: <see cref="Tp"/> GPUs split each layer's matrices (Megatron-style), <see cref="Dp"/>
/// replicas of attention each serve a share of the batch, <see cref="Ep"/> shards of every MoE layer's
/// experts over the tp x dp GPUs of a stage (the rest of that group splits each expert, expert-TP), and
/// <see cref="Pp"/> pipeline stages split the layers. GPUs = tp x dp x pp. <see cref="Redundant"/> extra
/// expert slots per MoE layer hold replicas of popular experts (EPLB), so the ep shards divide the
/// physical experts (logical + redundant), not the logical ones.
/// </summary>
public sealed class ParallelOptions
{
    public ParallelOptions(int tp, int ep, int dp, int pp, int redundant = 0, MoeCommunication moeComm = MoeCommunication.Auto)
    {
        Tp = tp; Ep = ep; Dp = dp; Pp = pp; Redundant = redundant; MoeComm = moeComm;
    }

    public int Tp { get; }
    public int Ep { get; }
    public int Dp { get; }
    public int Pp { get; }
    /// <summary>Redundant expert slots per MoE layer, over all its GPUs.</summary>
    public int Redundant { get; }
    public MoeCommunication MoeComm { get; }
    /// <summary>GPUs serving one MoE layer: the stage's tp x dp GPUs.</summary>
    public int MoeGroup => Tp * Dp;
    /// <summary>How many ways each expert is split inside its expert-parallel shard.</summary>
    public int ExpertTp => MoeGroup / Ep;
    public int Gpus => Tp * Dp * Pp;

    /// <summary>How this layout moves an MoE layer's tokens: no collective on one GPU; an all-reduce of the partial
    /// outputs when every GPU holds every token (dp = 1); otherwise the all-to-all or all-gather the option asks for.</summary>
    public MoeCommunication EffectiveMoeComm =>
        MoeComm != MoeCommunication.Auto ? MoeComm : ExpertTp == 1 ? MoeCommunication.AllToAll : MoeCommunication.AllGather;

    public static readonly string[] MoeCommNames = { "auto", "all_to_all", "all_gather" };

    private static readonly PassOption<int> TpOption = PassOption.Int("tp", "tensor-parallel GPUs per replica", "1");
    private static readonly PassOption<int> EpOption = PassOption.Int("ep", "expert-parallel shards of each MoE layer (over tp x dp GPUs)", "1");
    private static readonly PassOption<int> DpOption = PassOption.Int("dp", "data-parallel attention replicas per stage", "1");
    private static readonly PassOption<int> PpOption = PassOption.Int("pp", "pipeline stages", "1");
    private static readonly PassOption<int> RedundantOption =
        PassOption.Int("redundant", "redundant expert slots per MoE layer (replicas of popular experts; ep divides experts + redundant)", "0");
    private static readonly PassOption<MoeCommunication> MoeCommOption = PassOption.Choice("moe_comm",
        "how data-parallel attention reaches the experts: all_to_all (DeepEP-style dispatch and combine), all_gather (gather every token, reduce-scatter back), auto (all_to_all when ep = tp x dp)",
        "auto", MoeCommNames, v => (MoeCommunication)Array.IndexOf(MoeCommNames, v));

    /// <summary>The options of <c>parallelize</c>, declared once: its <see cref="PassInfo"/> lists them and <see cref="Bind"/>
    /// reads them into a layout.</summary>
    public static IReadOnlyList<PassOptionSpec> Declared { get; } =
        new PassOptionSpec[] { TpOption, EpOption, DpOption, PpOption, RedundantOption, MoeCommOption };

    public static ParallelOptions Bind(PassOptions o) =>
        new(o.Get(TpOption), o.Get(EpOption), o.Get(DpOption), o.Get(PpOption), o.Get(RedundantOption), o.Get(MoeCommOption));

    public void Validate()
    {
        if (Tp < 1 || Ep < 1 || Dp < 1 || Pp < 1) throw new PassException($"tp, ep, dp and pp must be at least 1 (got tp={Tp}, ep={Ep}, dp={Dp}, pp={Pp})");
        if (MoeGroup % Ep != 0)
            throw new PassException($"ep={Ep} must divide the {MoeGroup} GPUs of an MoE layer's group (tp x dp = {Tp} x {Dp})");
        if (Redundant < 0) throw new PassException($"redundant={Redundant} must not be negative");
        if (Redundant > 0 && Ep == 1) throw new PassException($"redundant={Redundant} needs expert parallelism (ep > 1): replicas live on other GPUs");
        if (MoeComm == MoeCommunication.AllToAll && ExpertTp > 1)
            throw new PassException($"moe_comm=all_to_all needs every expert whole on one GPU (ep = tp x dp = {MoeGroup}), but ep={Ep} splits each expert {ExpertTp} ways; use all_gather");
    }
}
