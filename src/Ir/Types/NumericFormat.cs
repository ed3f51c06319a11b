using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir.Types;

/// <summary>What a numeric format may be chosen for: weights (the matrices matmuls and experts read), the KV cache,
/// or the input the weight GEMMs read (<c>activations</c>, W8A8).</summary>
[Flags]
public enum FormatRoles { None = 0, Weights = 1, Kv = 2, Activations = 4 }

/// <summary>
/// A numeric format a deployment chooses, declared once: its spelling (and aliases) in the quantize pass's options
/// and on the command line (<c>--weights</c>, <c>--kv</c>), the element type it stores (whose bits, block size, scale
/// and math follow from <see cref="DType"/>), the roles it may take, the roles whose help lists it, and how published
/// benchmark tables spell it. The quantize pass's choices, the CLI's help and the validator's measurement rows read
/// this table; the cost model reads the math through <see cref="DType.Math"/>. A new format is one declaration here
/// (plus its <see cref="DType"/> and, for a new math, a <see cref="MathType"/> with its hardware.json figures).
/// </summary>
public sealed class NumericFormat
{
    /// <summary>The choice that leaves the formats the model declares (the quantize pass's default).</summary>
    public const string Keep = "keep";

    private NumericFormat(string name, DType type, FormatRoles roles, FormatRoles listed = FormatRoles.None, string? publishedAs = null, params string[] aliases)
    {
        Name = name; Type = type; Roles = roles; Listed = listed; PublishedAs = publishedAs; Aliases = aliases;
    }

    /// <summary>The spelling help texts and outputs use.</summary>
    public string Name { get; }

    /// <summary>Other spellings accepted for the same format.</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>The element type values in this format are stored in.</summary>
    public DType Type { get; }

    public FormatRoles Roles { get; }

    /// <summary>The roles whose help texts list this format (the formats deployments use; the rest are accepted too).</summary>
    public FormatRoles Listed { get; }

    /// <summary>How published benchmark tables (measurements.csv) spell it, where not as <see cref="Name"/>: TensorRT-LLM's
    /// tables write fp16, and fp4 for NVFP4.</summary>
    public string? PublishedAs { get; }

    public static readonly NumericFormat Bf16 = new("bf16", DType.BF16, FormatRoles.Weights | FormatRoles.Kv | FormatRoles.Activations, FormatRoles.Weights | FormatRoles.Kv);
    public static readonly NumericFormat F16 = new("f16", DType.F16, FormatRoles.Weights | FormatRoles.Kv, publishedAs: "fp16");
    // FP8 means E4M3, as FP8 checkpoints store it; E5M2 is named.
    public static readonly NumericFormat Fp8 = new("fp8", DType.Fp8E4M3, FormatRoles.Weights | FormatRoles.Kv | FormatRoles.Activations,
        FormatRoles.Weights | FormatRoles.Kv, null, "fp8-e4m3", "fp8_e4m3");
    public static readonly NumericFormat Fp8E5M2 = new("fp8-e5m2", DType.Fp8E5M2, FormatRoles.Weights | FormatRoles.Kv | FormatRoles.Activations,
        FormatRoles.None, null, "fp8_e5m2");
    public static readonly NumericFormat Int8 = new("int8", DType.Int8, FormatRoles.Weights | FormatRoles.Kv, FormatRoles.Weights | FormatRoles.Kv);
    public static readonly NumericFormat Int4 = new("int4", DType.Int4, FormatRoles.Weights | FormatRoles.Kv, FormatRoles.Weights);
    public static readonly NumericFormat MxFp4 = new("mxfp4", DType.MxFp4, FormatRoles.Weights, FormatRoles.Weights);
    public static readonly NumericFormat MxFp8 = new("mxfp8", DType.MxFp8, FormatRoles.Weights);
    public static readonly NumericFormat NvFp4 = new("nvfp4", DType.NvFp4, FormatRoles.Weights, FormatRoles.Weights, publishedAs: "fp4");

    /// <summary>Every format, in the order choices and help list them.</summary>
    public static IReadOnlyList<NumericFormat> All { get; } = new[] { Bf16, F16, Fp8, Fp8E5M2, Int8, Int4, MxFp4, MxFp8, NvFp4 };

    /// <summary>The name, then the aliases.</summary>
    public IEnumerable<string> Spellings => new[] { Name }.Concat(Aliases);

    /// <summary>Every spelling a role accepts, <see cref="Keep"/> first: the quantize pass's choices for that option.</summary>
    public static IReadOnlyList<string> Choices(FormatRoles role) =>
        new[] { Keep }.Concat(All.Where(f => (f.Roles & role) != 0).SelectMany(f => f.Spellings)).ToArray();

    /// <summary>The names help texts list for a role, comma-separated ("bf16, fp8, int8" for the KV cache), after
    /// <see cref="Keep"/> when <paramref name="keep"/>.</summary>
    public static string ListFor(FormatRoles role, bool keep = false) =>
        string.Join(", ", (keep ? new[] { Keep } : Array.Empty<string>()).Concat(All.Where(f => (f.Listed & role) != 0).Select(f => f.Name)));

    /// <summary>The format a spelling names (name or alias), or null.</summary>
    public static NumericFormat? Find(string spelling) => All.FirstOrDefault(f => f.Spellings.Contains(spelling, StringComparer.Ordinal));

    /// <summary>The spelling the quantize pass accepts for a format as a published table spells it (fp16 -> f16, fp4 ->
    /// nvfp4), <see cref="Keep"/> for an empty cell; any other spelling as it is.</summary>
    public static string FromPublished(string spelling) =>
        spelling.Length == 0 ? Keep : All.FirstOrDefault(f => f.PublishedAs == spelling)?.Name ?? spelling;

    public override string ToString() => Name;
}
