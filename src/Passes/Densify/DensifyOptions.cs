using System.Collections.Generic;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Densify;

/// <summary>The options of <c>densify</c>, declared once: its <see cref="PassInfo"/> lists <see cref="Declared"/> and
/// <see cref="Bind"/> reads them into this record.</summary>
public sealed record DensifyOptions(double Q, long Multiple)
{
    private static readonly PassOption<double> QOption =
        PassOption.Float("q", "quality-equivalence factor: dense parameters = q x MoE active parameters", "1.0");
    private static readonly PassOption<long> MultipleOption = PassOption.Long("multiple", "round the dense hidden size to a multiple of this", "128");

    public static IReadOnlyList<PassOptionSpec> Declared { get; } = new PassOptionSpec[] { QOption, MultipleOption };

    public static DensifyOptions Bind(PassOptions o) => new(o.Get(QOption), o.Get(MultipleOption));
}
