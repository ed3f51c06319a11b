using System;
using System.Collections.Generic;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Overlap;

/// <summary>How <c>overlap</c> hides communication.</summary>
public enum OverlapMode
{
    /// <summary>Split each layer group's batch into nano-batches and interleave them.</summary>
    NanoBatch,
    /// <summary>Make each collective after a GEMM asynchronous and fused with it.</summary>
    FusedCollective,
}

/// <summary>The options of <c>overlap</c>, declared once: its <see cref="PassInfo"/> lists <see cref="Declared"/> and
/// <see cref="Bind"/> reads them into this record.</summary>
public sealed record OverlapOptions(OverlapMode Mode, int Nanobatches, double SmShare)
{
    /// <summary>The most nano-batches a layer group is split into.</summary>
    public const int MaxNanobatches = 64;

    private static readonly string[] Modes = { "nanobatch", "fused-collective" };
    private static readonly PassOption<OverlapMode> ModeOption =
        PassOption.Choice("mode", "how to overlap", "nanobatch", Modes, v => (OverlapMode)Array.IndexOf(Modes, v));
    private static readonly PassOption<int> NanobatchesOption = PassOption.Int("nanobatches", "nano-batches per batch (mode=nanobatch)", "2");
    private static readonly PassOption<double> SmShareOption = PassOption.Float("sm_share",
        "share of the SMs an in-flight collective occupies, slowing the compute beside it (DeepSeek-V3 gives 20 of 132 SMs to communication)", "0.15");

    public static IReadOnlyList<PassOptionSpec> Declared { get; } = new PassOptionSpec[] { ModeOption, NanobatchesOption, SmShareOption };

    public static OverlapOptions Bind(PassOptions o) => new(o.Get(ModeOption), o.Get(NanobatchesOption), o.Get(SmShareOption));
}
