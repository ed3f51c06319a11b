using System;
using System.Collections.Generic;
using System.Globalization;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Parallelize;

/// <summary>
/// The parallel layout: <see cref="Tp"/> GPUs split each layer's matrices (Megatron-style), <see cref="Dp"/>
/// replicas of attention each serve a share of the batch, <see cref="Ep"/> shards of every MoE layer's
/// experts over the tp x dp GPUs of a stage (the rest of that group splits each expert, expert-TP), and
/// <see cref="Pp"/> pipeline stages split the layers. GPUs = tp x dp x pp. <see cref="Redundant"/> extra
/// expert slots per MoE layer hold replicas of popular experts (EPLB), so the ep shards divide the
/// physical experts (logical + redundant), not the logical ones.
/// <para>The one type of the layout: the parallelize pass's options, the cost model's deployment and the layout a
/// costed module records all use it. It lives with the pass that gives it meaning (the pass validates it and writes
/// it into the module), which the cost model already depends on; the IR knows nothing of parallelism.</para>
/// </summary>
public sealed record ParallelLayout(int Tp = 1, int Ep = 1, int Dp = 1, int Pp = 1)
{
    /// <summary>Redundant expert slots per MoE layer, over all its GPUs.</summary>
    public int Redundant { get; init; }
    public MoeCommunication MoeComm { get; init; } = MoeCommunication.Auto;
    /// <summary>GPUs serving one MoE layer: the stage's tp x dp GPUs.</summary>
    public int MoeGroup => Tp * Dp;
    /// <summary>How many ways each expert is split inside its expert-parallel shard.</summary>
    public int ExpertTp => MoeGroup / Ep;
    public int Gpus => Tp * Dp * Pp;

    /// <summary>How this layout moves an MoE layer's tokens: no collective on one GPU; an all-reduce of the partial
    /// outputs when every GPU holds every token (dp = 1); otherwise the all-to-all or all-gather the option asks for.</summary>
    public MoeCommunication EffectiveMoeComm =>
        MoeComm != MoeCommunication.Auto ? MoeComm : ExpertTp == 1 ? MoeCommunication.AllToAll : MoeCommunication.AllGather;

    /// <summary>The moe_comm option's values, in the order of <see cref="MoeCommunication"/>.</summary>
    public static readonly string[] MoeCommNames = { "auto", "all_to_all", "all_gather" };

    /// <summary>The moe_comm option's value for <see cref="MoeComm"/>.</summary>
    public string MoeCommName => MoeCommNames[(int)MoeComm];

    /// <summary>The <see cref="MoeCommunication"/> a moe_comm value names (one of <see cref="MoeCommNames"/>; callers
    /// check the text against them first, as the pass options and the CLI choices do).</summary>
    public static MoeCommunication ParseMoeComm(string name)
    {
        int i = Array.IndexOf(MoeCommNames, name);
        return i >= 0 ? (MoeCommunication)i : throw new ArgumentException($"moe_comm '{name}' is not one of {string.Join(", ", MoeCommNames)}");
    }

    private static readonly PassOption<int> TpOption = PassOption.Int("tp", "tensor-parallel GPUs per replica", "1");
    private static readonly PassOption<int> EpOption = PassOption.Int("ep", "expert-parallel shards of each MoE layer (over tp x dp GPUs)", "1");
    private static readonly PassOption<int> DpOption = PassOption.Int("dp", "data-parallel attention replicas per stage", "1");
    private static readonly PassOption<int> PpOption = PassOption.Int("pp", "pipeline stages", "1");
    private static readonly PassOption<int> RedundantOption =
        PassOption.Int("redundant", "redundant expert slots per MoE layer (replicas of popular experts; ep divides experts + redundant)", "0");
    private static readonly PassOption<MoeCommunication> MoeCommOption = PassOption.Choice("moe_comm",
        "how data-parallel attention reaches the experts: all_to_all (DeepEP-style dispatch and combine), all_gather (gather every token, reduce-scatter back), auto (all_to_all when ep = tp x dp)",
        "auto", MoeCommNames, ParseMoeComm);

    /// <summary>The options of <c>parallelize</c>, declared once: its <see cref="PassInfo"/> lists them and <see cref="Bind"/>
    /// reads them into a layout.</summary>
    public static IReadOnlyList<PassOptionSpec> Declared { get; } =
        new PassOptionSpec[] { TpOption, EpOption, DpOption, PpOption, RedundantOption, MoeCommOption };

    public static ParallelLayout Bind(PassOptions o) =>
        new(o.Get(TpOption), o.Get(EpOption), o.Get(DpOption), o.Get(PpOption)) { Redundant = o.Get(RedundantOption), MoeComm = o.Get(MoeCommOption) };

    /// <summary>The module attributes that record this layout (tp, ep, dp, pp), added to <paramref name="attributes"/>:
    /// what the parallelize pass writes and <see cref="Of"/> reads back.</summary>
    public AttrDict RecordIn(AttrDict attributes) =>
        attributes.With("tp", Attr.Int(Tp)).With("ep", Attr.Int(Ep)).With("dp", Attr.Int(Dp)).With("pp", Attr.Int(Pp));

    /// <summary>The layout a parallelized module records in its attributes (tp, ep, dp, pp; 1 where absent). The module
    /// does not record <see cref="Redundant"/> and <see cref="MoeComm"/> at its top (the redundant slots are an attribute of
    /// each moe.experts op, the communication shows in the collectives the pass emitted), so they keep their defaults.</summary>
    public static ParallelLayout Of(Module m)
    {
        int Get(string k) => (int)(m.Attributes.GetInt(k)?.AsConst ?? 1);
        return new ParallelLayout(Get("tp"), Get("ep"), Get("dp"), Get("pp"));
    }

    /// <summary>This layout as a parallelize element: tp, ep, dp and pp always, redundant and moe_comm where they are not
    /// the pass's defaults.</summary>
    public PipelineElement ToElement()
    {
        var options = new List<(string, string)> { ("tp", I(Tp)), ("ep", I(Ep)), ("dp", I(Dp)), ("pp", I(Pp)) };
        if (Redundant != 0) options.Add(("redundant", I(Redundant)));
        if (MoeComm != MoeCommunication.Auto) options.Add(("moe_comm", MoeCommName));
        return PipelineElement.Create("parallelize", options.ToArray());
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

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

    /// <summary>"tp=8 ep=8 dp=1 pp=1", then redundant and moe_comm where they are set.</summary>
    public override string ToString() =>
        $"tp={Tp} ep={Ep} dp={Dp} pp={Pp}" + (Redundant > 0 ? $" redundant={Redundant}" : "") + (MoeComm != MoeCommunication.Auto ? $" moe_comm={MoeCommName}" : "");
}
