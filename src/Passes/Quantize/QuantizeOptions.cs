using System.Collections.Generic;
using System.Linq;
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
        new(o.Get(WeightsOption), o.Get(GroupOption), o.Get(KvOption), o.Get(ActivationsOption), o.Get(SkipOption), o.Get(SkipLayersOption))
        {
            GroupGiven = o.IsGiven(GroupOption),
        };

    /// <summary>Whether the pipeline wrote <c>group</c> (rather than leaving it at <see cref="DefaultGroup"/>).</summary>
    public bool GroupGiven { get; init; }

    /// <summary>
    /// Why a written <c>group</c> would go unused, or null when the weights or the KV cache take int8/int4 group scales.
    /// The other formats fix their scaling (MXFP4 one E8M0 scale per 32 elements, NVFP4 one E4M3 scale per 16, FP8 one
    /// per tensor), and a group written beside them used to be dropped without a word.
    /// </summary>
    public string? UnusedGroup()
    {
        if (!GroupGiven) return null;
        var chosen = new[] { ("weights", Weights), ("kv", Kv) }.Where(f => f.Item2 != NumericFormat.Keep).ToList();
        if (chosen.Any(f => NumericFormat.Find(f.Item2)?.Type.Kind == ElementKind.Int)) return null;
        var why = chosen.Count == 0 ? "weights and kv are keep" : string.Join(" and ", chosen.Select(f => Scaling(f.Item1, f.Item2)));
        return $"group={Group.ToString(System.Globalization.CultureInfo.InvariantCulture)} sets the group size of int8 and int4 scales, but {why}; remove group, or choose int8 or int4";
    }

    /// <summary>How a non-integer format scales its values ("weights=mxfp4 fixes its scaling (one e8m0 scale per 32 elements)").</summary>
    private static string Scaling(string role, string format)
    {
        var t = NumericFormat.Find(format)!.Type;
        return t.IsBlockScaled ? $"{role}={format} fixes its scaling (one {t.ScaleName} scale per {t.BlockSize} elements)"
            : t.Bits == 8 ? $"{role}={format} fixes its scaling (one scale per tensor)"
            : $"{role}={format} has no scales";
    }
}
