namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>
/// TensorRT-LLM's multi-head latent attention kernels as its kernel tables time them (hardware.json <c>measured.mla_law</c>, an
/// <see cref="AttentionLaw"/> of the same fields, fitted by tools/KernelFit <c>mla</c> on AIConfigurator's context_mla_perf and
/// generation_mla_perf tables; docs/cost-model.md, "MLA kernels"). The tables time the attention core only: in prefill the
/// context kernel over keys and values already expanded from the latent (192-wide query-key heads, 128-wide values) with the
/// latent-cache write; in decode the absorbed-form kernel over the 576-wide latent cache, every query head on one KV head. The
/// latent's up-projection (prefill) and the absorbed W_UK / W_UV products (decode) are separate GEMMs there, priced as a GEMM here.
/// Prefill: <code>t = F / (P x eta_max x k / (k + half_tokens)) + tile_ns x sequences x query heads x ceil(queries / 128) + prefill_fixed_us</code>;
/// decode: <code>t = max(F / (P x eta_max), latent bytes / (HBM bandwidth x kv_hbm_fraction)) + kv_head_ns x sequences x query heads + decode_fixed_us</code>
/// (the generation kernel is compute-bound at many heads: each head reads the whole latent; its per-CTA term grows with query
/// heads, not KV heads, as its grid does).
/// </summary>
public static class MlaLaw
{
    /// <summary>The hardware.json key of the law, under a device's <c>measured</c>.</summary>
    public const string Key = "mla_law";

    /// <summary>The attention core's time under <paramref name="law"/>: <paramref name="flops"/> and <paramref name="bytes"/> of the
    /// core (the projection's taken out), <paramref name="peak"/> the math's dense peak, <paramref name="streaming"/> the rate
    /// prefill moves bytes at, <paramref name="hbm"/> the HBM bandwidth the generation kernel's share applies to;
    /// <paramref name="sequences"/> of <paramref name="queries"/> new tokens over <paramref name="keys"/> keys each, on
    /// <paramref name="heads"/> query heads. Returns its math, memory, per-CTA and fixed parts (seconds); the time is
    /// max(math, memory) + tiles + fixed.</summary>
    public static (double Math, double Memory, double Tiles, double Fixed) Core(AttentionLaw law, double flops, double bytes, double peak,
        double streaming, double hbm, double sequences, double queries, double keys, double heads, bool generation) =>
        generation
            ? (flops / (peak * law.EtaMax), bytes / (hbm * law.KvBandwidthFraction), law.KvHeadSeconds * sequences * heads, law.DecodeFixedSeconds)
            : (flops / (peak * law.PrefillEfficiency(keys)), bytes / streaming, law.TileTime(sequences, heads, queries), law.PrefillFixedSeconds);

    /// <summary>The core's time: max(math, memory) + tiles + fixed.</summary>
    public static double Seconds((double Math, double Memory, double Tiles, double Fixed) core) =>
        System.Math.Max(core.Math, core.Memory) + core.Tiles + core.Fixed;
}
