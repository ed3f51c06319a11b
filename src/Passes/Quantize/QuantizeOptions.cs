using System.Collections.Generic;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Quantize;

/// <summary>The options of <c>quantize</c>, declared once: its <see cref="PassInfo"/> lists <see cref="Declared"/> and
/// <see cref="Bind"/> reads them into this record. Formats are as written (<c>keep</c>, <c>fp8</c>, ...);
/// <see cref="QuantizePass.Format"/> gives their types.</summary>
public sealed record QuantizeOptions(string Weights, int Group, string Kv, string Activations, IReadOnlyList<string> Skip, IReadOnlyList<string> SkipLayers)
{
    private static readonly PassOption<string> WeightsOption =
        PassOption.Choice("weights", "weight format", NumericFormat.Keep, NumericFormat.Choices(FormatRoles.Weights));
    /// <summary>Elements sharing one int8/int4 scale when the pipeline does not say (as AWQ/GPTQ checkpoints mostly use).</summary>
    public const int DefaultGroup = 128;

    private static readonly PassOption<int> GroupOption =
        PassOption.Int("group", "group size of int8/int4 scales along the input axis", DefaultGroup.ToString(System.Globalization.CultureInfo.InvariantCulture));
    private static readonly PassOption<string> KvOption = PassOption.Choice("kv", "KV-cache format", NumericFormat.Keep, NumericFormat.Choices(FormatRoles.Kv));
    private static readonly PassOption<string> ActivationsOption =
        PassOption.Choice("activations", "type the weight GEMMs read their input in (fp8: per-token scaled, W8A8)", NumericFormat.Keep,
            NumericFormat.Choices(FormatRoles.Activations));
    private static readonly PassOption<IReadOnlyList<string>> SkipOption =
        PassOption.List("skip", "roles (lm_head, router) or weight-path substrings left unquantized", "lm_head,router");
    private static readonly PassOption<IReadOnlyList<string>> SkipLayersOption =
        PassOption.List("skip_layers", "layers whose weights keep their format: first, last or layer numbers (peeled into repeats of their own)", "");

    public static IReadOnlyList<PassOptionSpec> Declared { get; } =
        new PassOptionSpec[] { WeightsOption, GroupOption, KvOption, ActivationsOption, SkipOption, SkipLayersOption };

    public static QuantizeOptions Bind(PassOptions o) =>
        new(o.Get(WeightsOption), o.Get(GroupOption), o.Get(KvOption), o.Get(ActivationsOption), o.Get(SkipOption), o.Get(SkipLayersOption));
}
