using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Types;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// The MLA kernels' law (hardware.json <c>measured.mla_law</c>, an <see cref="AttentionLaw"/> read under that name) fitted on one
/// device's context_mla_perf and generation_mla_perf tables (DeepSeek-V3 geometry: 512 + 64 latent, 128 + 64 query/key head,
/// 128 value head; 16-bit queries, bf16 or fp8 latent cache). What the tables time (AIConfigurator collector/trtllm/collect_mla.py):
/// prefill: TensorRT-LLM's context attention over queries, keys and values already expanded from the latent (the kv_b
/// up-projection is a separate GEMM, not timed) plus the latent-cache write; decode: the RoPE/quantize preparation and the
/// absorbed-form MQA over the latent cache (one KV head of 576, every query head; the W_UK / W_UV BMMs are mla_bmm's, not
/// timed). So the law prices the attention core of our nn.mla_attention only; the evaluator prices its projection part
/// as a GEMM. Prints the median |ln(predicted / measured)| before (eta_attention, fixed_us.mla) and after, by regime.
/// </summary>
public static class MlaFit
{
    private const double Latent = 512, RopeDim = 64, NopeDim = 128, ValueDim = 128;

    /// <summary>A row: B sequences of S new tokens over T keys, H query heads on this GPU, the core's FLOPs and bytes as the cost
    /// model counts them (<c>AttentionOps.MlaAttention</c> less its projection), the measured seconds.</summary>
    private sealed record Row(double B, double S, double T, double H, double Flops, double Bytes, double Seconds);

    public static async Task<JsonObject?> Run(string root, Part part, string engine, string version)
    {
        string Table(string kind) => Path.Combine(root, part.Dir, "mla", engine, version, $"{kind}_mla_perf.parquet");
        var device = HardwareCatalog.BuiltIn().Find(part.Id);
        if (device is null || !File.Exists(Table("context")) || !File.Exists(Table("generation"))) return null;
        var eff = EfficiencyProfile.Find(engine)!;
        double peak = StepEvaluator.PeakFor(device, MathType.Bf16);
        double bandwidth = device.HbmBytesPerSecond * eff.EtaHbm * device.HbmFraction;
        double oldFixed = device.FixedLatencyFor("mla", MathType.Bf16, engine == "trtllm" ? "" : engine) ?? eff.KernelSeconds;

        var ctxTable = await ParquetTable.ReadAsync(Table("context"));
        var genTable = await ParquetTable.ReadAsync(Table("generation"));
        Console.WriteLine($"  columns: {string.Join(", ", ctxTable.Rows[0].Keys)}; op {(ctxTable.Rows[0].TryGetValue("op_name", out var op) ? op : "-")}");
        Console.WriteLine($"  context heads {string.Join("/", ctxTable.Rows.Select(r => r["num_heads"]).Distinct())}, kv {string.Join("/", ctxTable.Rows.Select(r => r["kv_cache_dtype"]).Distinct())}, mla {string.Join("/", ctxTable.Rows.Select(r => r["mla_dtype"]).Distinct())}");
        double Elem(IReadOnlyDictionary<string, string> r) => r["kv_cache_dtype"] == "fp8" ? 1 : 2;
        var context = ctxTable.Rows.Where(r => r["mla_dtype"] == "bfloat16").Select(r =>
        {
            double b = D(r, "batch_size"), s = D(r, "isl"), h = D(r, "num_heads");
            double pairs = b * h * s * (s + 1) / 2;
            double flops = pairs * (2 * (NopeDim + RopeDim) + 2 * ValueDim + 5);
            double bytes = b * s * (h * (NopeDim + RopeDim + ValueDim) * 2 + (Latent + RopeDim) * Elem(r));
            return new Row(b, s, s, h, flops, bytes, D(r, "latency") * 1e-3);
        }).ToList();
        var decode = genTable.Rows.Where(r => r["mla_dtype"] == "bfloat16").Select(r =>
        {
            double b = D(r, "batch_size"), t = D(r, "isl") + D(r, "step"), h = D(r, "num_heads");
            double flops = b * h * t * (2 * (Latent + RopeDim) + 2 * Latent + 5);
            double bytes = b * t * (Latent + RopeDim) * Elem(r) + b * h * (NopeDim + RopeDim + ValueDim) * 2;
            return new Row(b, 1, t, h, flops, bytes, D(r, "latency") * 1e-3);
        }).ToList();
        if (context.Count < 10 || decode.Count < 10) return null;
        Console.WriteLine($"== {part.Id} mla ({engine} {version}: {context.Count} context rows, {decode.Count} generation rows)");

        double Work(Row r, double eta, double bw) => Math.Max(r.Flops / (peak * eta), r.Bytes / bw);
        // The kept forms are the cost model's own (MlaLaw.Core), at the rates StepEvaluator gives it.
        double Law(AttentionLaw l, Row r, bool generation) => MlaLaw.Seconds(MlaLaw.Core(l, r.Flops, r.Bytes, peak, bandwidth,
            device.HbmBytesPerSecond * eff.EtaHbm, r.B, r.S, r.T, r.H, generation));
        var law = new AttentionLaw(0.5, 1000, 2e-8, 1.5e-5, 1e-8, 1e-5, device.HbmFraction);
        var prefillRegimes = new (string Name, Func<Row, bool> In)[]
        {
            ("all", _ => true), ("S <= 512", r => r.S <= 512), ("512 < S <= 2k", r => r.S > 512 && r.S <= 2048), ("S > 2k", r => r.S > 2048),
            ("H <= 16", r => r.H <= 16), ("H >= 64", r => r.H >= 64),
        };
        Console.WriteLine("  prefill, median |ln(pred/meas)| (median pred/meas): " + string.Join(" | ", prefillRegimes.Select(g => g.Name)));
        double Before(Row r) => Work(r, eff.EtaAttention, bandwidth) + oldFixed;
        Console.WriteLine($"    before (eta_attention {eff.EtaAttention}, fixed {oldFixed * 1e6:F1} us): {Report(context, prefillRegimes, Before)}");
        var prefillForms = new (string Name, double[] Start, Func<double[], Row, double> Time)[]
        {
            ("eta_max + fixed", new[] { 0.5, 1.5e-5 }, (p, r) => Work(r, p[0], bandwidth) + p[1]),
            ("eta_max s/(s + s_half) + fixed", new[] { 0.5, 1000, 1.5e-5 }, (p, r) => Work(r, p[0] * r.S / (r.S + p[1]), bandwidth) + p[2]),
            ("kept: eta_max s/(s + s_half) + per 128-query tile + fixed", new[] { 0.5, 1000, 2e-8, 1.5e-5 },
                (p, r) => Law(law with { EtaMax = p[0], HalfTokens = p[1], TileSeconds = p[2], PrefillFixedSeconds = p[3] }, r, false)),
        };
        double[] kept = Array.Empty<double>();
        foreach (var (name, start, time) in prefillForms)
        {
            kept = Minimise(start, x => context.Average(r => Math.Abs(Math.Log(time(x, r) / r.Seconds))));
            var p = kept;
            Console.WriteLine($"    {name} ({Constants(p)}): {Report(context, prefillRegimes, r => time(p, r))}");
        }
        law = law with { EtaMax = kept[0], HalfTokens = kept[1], TileSeconds = kept[2], PrefillFixedSeconds = kept[3] };

        // Decode: the latent cache streams at the kernel's own share of the bandwidth; FlashMLA-style kernels are compute-bound at
        // many heads (every query head reads the whole 576-wide latent), so the math at eta_max is a floor too.
        var decodeRegimes = new (string Name, Func<Row, bool> In)[]
        {
            ("all", _ => true), ("B <= 8", r => r.B <= 8), ("B >= 256", r => r.B >= 256), ("T <= 256", r => r.T <= 256), ("T >= 4k", r => r.T >= 4096),
            ("H <= 16", r => r.H <= 16), ("H >= 64", r => r.H >= 64),
        };
        Console.WriteLine("  decode, median |ln(pred/meas)| (median pred/meas): " + string.Join(" | ", decodeRegimes.Select(g => g.Name)));
        Console.WriteLine($"    before (eta_attention {eff.EtaAttention}, latent at {bandwidth / 1e9:F0} GB/s + {oldFixed * 1e6:F1} us): {Report(decode, decodeRegimes, Before)}");
        double Bw(double fraction) => device.HbmBytesPerSecond * eff.EtaHbm * fraction;
        var decodeForms = new (string Name, double[] Start, Func<double[], Row, double> Time)[]
        {
            ("own bandwidth + fixed", new[] { 1e-5, device.HbmFraction }, (p, r) => Work(r, law.EtaMax, Bw(p[1])) + p[0]),
            ("own bandwidth + per sequence + fixed", new[] { 1e-5, device.HbmFraction, 3e-8 }, (p, r) => Work(r, law.EtaMax, Bw(p[1])) + p[2] * r.B + p[0]),
            ("kept: own bandwidth + per (sequence x query head) + fixed", new[] { 1e-5, device.HbmFraction, 1e-8 },
                (p, r) => Law(law with { DecodeFixedSeconds = p[0], KvBandwidthFraction = p[1], KvHeadSeconds = p[2] }, r, true)),
        };
        foreach (var (name, start, time) in decodeForms)
        {
            kept = Minimise(start, x => x[1] > 1 ? 1e9 : decode.Average(r => Math.Abs(Math.Log(time(x, r) / r.Seconds))));
            var p = kept;
            Console.WriteLine($"    {name} ({Constants(p)}): {Report(decode, decodeRegimes, r => time(p, r))}");
        }
        law = law with { DecodeFixedSeconds = kept[0], KvBandwidthFraction = Math.Min(1, kept[1]), KvHeadSeconds = kept[2] };
        return new JsonObject
        {
            ["eta_max"] = Math.Round(law.EtaMax, 3), ["half_tokens"] = Math.Round(law.HalfTokens), ["tile_ns"] = Math.Round(law.TileSeconds * 1e9, 1),
            ["prefill_fixed_us"] = Math.Round(law.PrefillFixedSeconds * 1e6, 1), ["kv_head_ns"] = Math.Round(law.KvHeadSeconds * 1e9, 2),
            ["decode_fixed_us"] = Math.Round(law.DecodeFixedSeconds * 1e6, 1), ["kv_hbm_fraction"] = Math.Round(law.KvBandwidthFraction, 3),
        };
    }

    /// <summary>The table version read: TensorRT-LLM's the version its other kernels' constants come from (<see cref="Sources"/>);
    /// SGLang's 0.5.10, the one version with both MLA tables on every Hopper and Blackwell part. Null where the tables are absent.</summary>
    public static string? Version(string root, Part part, string engine)
    {
        string? version = engine == "trtllm" ? Sources.Engines[0].Versions.GetValueOrDefault(part.Dir) : engine == "sglang" ? "0.5.10" : null;
        return version is not null && File.Exists(Path.Combine(root, part.Dir, "mla", engine, version, "generation_mla_perf.parquet")) ? version : null;
    }

    private static string Constants(double[] p) => string.Join(", ", p.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)));

    private static string Report(List<Row> rows, (string Name, Func<Row, bool> In)[] regimes, Func<Row, double> predicted) =>
        string.Join(" | ", regimes.Select(g =>
        {
            var ratios = rows.Where(g.In).Select(r => predicted(r) / r.Seconds).ToList();
            return ratios.Count == 0 ? "-" : $"{Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()):F3} ({Median(ratios):F2}x)";
        }));

    private static double[] Minimise(double[] start, Func<double[], double> objective) => AttentionFit.Minimise(start, objective);
}
