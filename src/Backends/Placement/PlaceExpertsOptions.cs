using System.Collections.Generic;
using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.Placement;

/// <summary>The options of <c>place-experts</c>, declared once: its <see cref="PassInfo"/> lists <see cref="Declared"/> and
/// <see cref="Bind"/> reads them into this record.</summary>
public sealed record PlaceExpertsOptions(string Stats, string Strategy, int Redundant, int Nodes)
{
    private static readonly PassOption<string> StatsOption = PassOption.String("stats", "routing statistics file (graphdsl-routing/1, from route-stats or measured)", "");
    private static readonly PassOption<string> StrategyOption =
        PassOption.Choice("strategy", "placement strategy", "eplb", new[] { "round-robin", "contiguous", "eplb", "affinity" });
    private static readonly PassOption<int> RedundantOption = PassOption.Int("redundant", "eplb: replicas beyond one per expert, over the whole group", "0");
    private static readonly PassOption<int> NodesOption = PassOption.Int("nodes", "nodes the expert-parallel GPUs span (eplb packs hierarchically when > 1)", "1");

    public static IReadOnlyList<PassOptionSpec> Declared { get; } = new PassOptionSpec[] { StatsOption, StrategyOption, RedundantOption, NodesOption };

    public static PlaceExpertsOptions Bind(PassOptions o) => new(o.Get(StatsOption), o.Get(StrategyOption), o.Get(RedundantOption), o.Get(NodesOption));
}
