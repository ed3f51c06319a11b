using System.Collections.Generic;
using System.Linq;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Fusion;

/// <summary>The options of <c>fuse</c>, one switch per rule (<c>fuse{attention=false}</c>), declared once: its
/// <see cref="PassInfo"/> lists <see cref="Declared"/> and <see cref="Bind"/> reads them into this record.</summary>
/// <param name="Rules">The rules switched on, in the order they run (<see cref="FusionRules.Names"/>).</param>
public sealed record FuseOptions(IReadOnlyList<string> Rules)
{
    private static readonly PassOption<bool>[] RuleOptions =
        FusionRules.Names.Select(n => PassOption.Bool(n, $"apply the {n} rule", "true")).ToArray();

    public static IReadOnlyList<PassOptionSpec> Declared { get; } = RuleOptions;

    public static FuseOptions Bind(PassOptions o) => new(RuleOptions.Where(r => o.Get(r)).Select(r => r.Name).ToArray());
}
