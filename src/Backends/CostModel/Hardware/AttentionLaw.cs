using System;
using System.Text.Json;

namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>
/// An engine's attention kernels as its kernel tables time them (hardware.json <c>measured.attention_law</c>: TensorRT-LLM's;
/// <c>measured.engines.NAME.attention_law</c>: vLLM's and SGLang's own, <see cref="Device.AttentionFor"/>; fitted
/// by tools/KernelFit on AIConfigurator's context- and generation-attention tables; docs/cost-model.md, "Attention
/// kernels"). Prefill (the fused multi-head attention, one CTA per 128-query tile of a sequence's head):
/// <code>t = F / (P_bf16 x eta_max x k / (k + half_tokens)) + tile x sequences x heads x ceil(queries / 128) + prefill_fixed</code>
/// with k the keys a sequence's queries see (its prompt): the share of peak grows with the length of each tile's key
/// loop, and every tile pays its prologue and epilogue. Decode (one CTA per sequence and KV head, the query heads that
/// share it together): <code>t = max(KV bytes / (HBM bandwidth x kv_hbm_fraction), wide_kv_q_head x sequences x query_heads)
/// + kv_head x sequences x kv_heads + decode_fixed</code>, the KV cache streaming at the generation kernel's own share of the
/// bandwidth. The middle term is only for 16-bit caches (optional field <c>wide_kv_q_head_ns</c>, 0 where absent): Hopper's and
/// Ampere's TensorRT-LLM tables time their 16-bit rows at a cost per query head of each sequence that the FP8 rows do not pay,
/// hidden under the stream where the cache is large (H200, 32 / 4 heads of 128: 2,048 x 16 tokens 314 us against 108 us at FP8,
/// 512 x 512 tokens 150 us, the stream's time).
/// </summary>
public sealed record AttentionLaw(double EtaMax, double HalfTokens, double TileSeconds, double PrefillFixedSeconds,
    double KvHeadSeconds, double DecodeFixedSeconds, double KvBandwidthFraction, double WideKvQueryHeadSeconds = 0)
{
    /// <summary>Queries per CTA of the context kernel (TensorRT-LLM's FMHA tiles of 128 queries).</summary>
    public const double QueryTile = 128;

    /// <summary>The share of the BF16 peak the context kernel's math reaches where each query sees <paramref name="keys"/> keys.</summary>
    public double PrefillEfficiency(double keys) => keys <= 0 ? EtaMax : EtaMax * keys / (keys + HalfTokens);

    /// <summary>The context kernel's per-tile time for <paramref name="sequences"/> sequences of <paramref name="queries"/>
    /// new tokens each over <paramref name="heads"/> query heads.</summary>
    public double TileTime(double sequences, double heads, double queries) =>
        TileSeconds * sequences * heads * Math.Ceiling(Math.Max(0, queries) / QueryTile);

    /// <summary>The generation kernel's work per query head with a 16-bit cache (<paramref name="wideKv"/>), for <paramref name="sequences"/>
    /// sequences of <paramref name="queryHeads"/> query heads: it overlaps the cache's stream (the time is the larger of the two).</summary>
    public double WideKvQueryHeadTime(double sequences, double queryHeads, bool wideKv) =>
        wideKv ? WideKvQueryHeadSeconds * sequences * queryHeads : 0;

    /// <summary>The optional field of the per-(sequence x query head) time of 16-bit caches, in nanoseconds.</summary>
    public const string WideKvQueryHeadField = "wide_kv_q_head_ns";

    /// <summary>The fields of hardware.json's <c>attention_law</c> object, in the order of the record.</summary>
    public static readonly string[] Fields = { "eta_max", "half_tokens", "tile_ns", "prefill_fixed_us", "kv_head_ns", "decode_fixed_us", "kv_hbm_fraction" };

    /// <summary>Reads <paramref name="key"/> (<c>attention_law</c>, or <c>mla_law</c>: the MLA kernels' law of the same form,
    /// <see cref="MlaLaw"/>) of <paramref name="owner"/> (a device's <c>measured</c>, an engine's block in it, or <c>typical_measured</c>):
    /// null where absent or null; every field of <see cref="Fields"/> required, each a number in its range; <see cref="WideKvQueryHeadField"/> optional.</summary>
    public static AttentionLaw? Read(JsonElement owner, string path, Func<string, Exception> error, string key = "attention_law")
    {
        if (!owner.TryGetProperty(key, out var law) || law.ValueKind == JsonValueKind.Null) return null;
        if (law.ValueKind != JsonValueKind.Object) throw error($"{path}.{key} must be an object with {string.Join(", ", Fields)}");
        double Number(string name) => law.TryGetProperty(name, out var x) && x.ValueKind == JsonValueKind.Number ? x.GetDouble() : double.NaN;
        double Field(string name, double max) =>
            Number(name) is var v && v >= 0 && v <= max ? v : throw error($"{path}.{key}.{name} must be a number in [0, {max}]");
        // A share of a peak: above 1 or at 0 is no kernel's, and says so in the range it names.
        double Fraction(string name) => Number(name) is var f && HardwareLimits.FractionProblem(f) is { } why
            ? throw error($"{path}.{key}.{name} {(why.StartsWith("must", StringComparison.Ordinal) ? "must be a number in (0, 1]" : why)}") : f;
        return new AttentionLaw(Fraction("eta_max"), Field("half_tokens", 1e7), Field("tile_ns", HardwareLimits.MaxMicroseconds) * 1e-9,
            Field("prefill_fixed_us", HardwareLimits.MaxMicroseconds) * 1e-6, Field("kv_head_ns", HardwareLimits.MaxMicroseconds) * 1e-9,
            Field("decode_fixed_us", HardwareLimits.MaxMicroseconds) * 1e-6, Fraction("kv_hbm_fraction"),
            law.TryGetProperty(WideKvQueryHeadField, out _) ? Field(WideKvQueryHeadField, HardwareLimits.MaxMicroseconds) * 1e-9 : 0);
    }
}
