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
/// The attention kernels' law (<see cref="AttentionLaw"/>) fitted on one device's context- and generation-attention tables of
/// one serving engine (16-bit queries, no sliding window, either KV type): TensorRT-LLM's (hardware.json
/// <c>measured.attention_law</c>), or vLLM's or SGLang's own kernels (<c>measured.engines.NAME.attention_law</c>):
/// the constants that minimise the mean |ln(predicted / measured)| over every row, the law's other terms at the rates the
/// cost model uses (the dense BF16 peak; in decode the KV cache streams at a share of the HBM bandwidth fitted with the rest,
/// since the generation kernel reads it at its own rate, not the weight-streaming GEMV's; for TensorRT-LLM that share is fitted
/// on the rows whose cache is at least <see cref="LargeCacheL2Multiple"/>x the device's L2, the serving regime). Prints the median |ln| and the median
/// predicted / measured before (what the engine's profile prices today: for TensorRT-LLM eta_attention and the profile's fixed
/// part, for vLLM and SGLang the same with their decode attention's fixed latency) and after, by regime, and the forms chosen
/// against.
/// </summary>
public static class AttentionFit
{
    /// <summary>A context row: B prompts of S tokens, H query and KV heads of size D; FLOPs and bytes as the cost model counts them.</summary>
    private sealed record ContextRow(double B, double S, double H, double D, double Flops, double Bytes, double Seconds);

    /// <summary>A generation row: B sequences at a context of T, query and KV heads, whether the cache holds 16-bit elements, the KV bytes read.</summary>
    private sealed record DecodeRow(double B, double T, double Q, double Kv, bool Wide, double Bytes, double Seconds);

    public static async Task<JsonObject?> Run(string root, Part part, Engine engine, string version)
    {
        string Table(string kind) => Path.Combine(root, part.Dir, "attention", engine.Name, version, $"{kind}_attention_perf.parquet");
        var device = HardwareCatalog.BuiltIn().Find(part.Id);
        if (device is null || !File.Exists(Table("context")) || !File.Exists(Table("generation"))) return null;
        var eff = EfficiencyProfile.Find(engine.Name)!;
        double peak = StepEvaluator.PeakFor(device, MathType.Bf16);
        double bandwidth = device.HbmBytesPerSecond * eff.EtaHbm * device.HbmFraction;
        // Before: the old law, what vLLM's and SGLang's profiles priced their attention with before their own law.
        double oldFixed = device.FixedLatencyFor("attention", MathType.Bf16, eff.KernelEngine) ?? eff.KernelSeconds;

        // TensorRT-LLM's context table times several kernel paths (torch_flow is the one it serves with); vLLM's and
        // SGLang's tables time one kernel each (vllm_flash_attn or vllm_flashinfer, flash_attention or trtllm_mha) and
        // no sliding window (they have no window_size column).
        var contextTable = (await ParquetTable.ReadAsync(Table("context"))).Rows;
        var context = contextTable
            .Where(r => r.GetValueOrDefault("window_size", "0") == "0" && r["attn_dtype"] == "bfloat16" && (engine.Name != "trtllm" || r["kernel_source"] == "torch_flow"))
            .Select(r =>
            {
                double b = D(r, "batch_size"), s = D(r, "isl"), h = D(r, "num_heads"), kv = D(r, "num_key_value_heads"), d = D(r, "head_dim");
                double kvElem = r["kv_cache_dtype"] == "fp8" ? 1 : 2;
                return new ContextRow(b, s, h, d, b * h * s * (s + 1) / 2 * (4 * d + 5), b * s * d * (2 * h * 2 + 2 * kv * kvElem), D(r, "latency") * 1e-3);
            }).ToList();
        var decode = (await ParquetTable.ReadAsync(Table("generation"))).Rows
            .Where(r => r.GetValueOrDefault("window_size", "0") == "0" && r["attn_dtype"] == "bfloat16")
            .Select(r =>
            {
                double b = D(r, "batch_size"), t = D(r, "isl") + D(r, "step"), kv = D(r, "num_key_value_heads");
                double kvElem = r["kv_cache_dtype"] == "fp8" ? 1 : 2;
                return new DecodeRow(b, t, D(r, "num_heads"), kv, kvElem == 2, b * t * kv * D(r, "head_dim") * 2 * kvElem, D(r, "latency") * 1e-3);
            }).ToList();
        if (context.Count < 10 || decode.Count < 10) return null;
        string sources = string.Join(", ", contextTable.Select(r => r["kernel_source"]).Distinct());
        Console.WriteLine($"== {part.Id} attention ({engine.Name} {version}, kernel sources {sources}: {context.Count} context rows, {decode.Count} generation rows; bf16 queries, no window)");

        // Prefill forms, each as (name, initial constants, time of a row): eta_max, half_tokens, tile seconds, fixed seconds.
        double Work(ContextRow r, double eta) => Math.Max(r.Flops / (peak * eta), r.Bytes / bandwidth);
        var law = new AttentionLaw(0.6, 1000, 2e-8, 1.5e-5, 1e-8, 1e-5, device.HbmFraction);
        double PrefillTime(AttentionLaw l, ContextRow r) => Work(r, l.PrefillEfficiency(r.S)) + l.TileTime(r.B, r.H, r.S) + l.PrefillFixedSeconds;
        var prefillForms = new (string Name, double[] Start, Func<double[], ContextRow, double> Time)[]
        {
            ("eta_max s/(s + s_half) + fixed", new[] { 0.6, 1000, 1.5e-5 }, (p, r) => Work(r, p[0] * r.S / (r.S + p[1])) + p[2]),
            ("eta_max + per (seq x head x row) + fixed", new[] { 0.6, 5e-10, 1.5e-5 }, (p, r) => Work(r, p[0]) + p[1] * r.B * r.H * r.S + p[2]),
            ("eta_max + per 128-query tile + fixed", new[] { 0.6, 2e-8, 1.5e-5 }, (p, r) => Work(r, p[0]) + p[1] * r.B * r.H * Math.Ceiling(r.S / 128) + p[2]),
            ("padded 128x128 causal tiles + per tile + fixed", new[] { 0.6, 2e-8, 1.5e-5 }, (p, r) =>
            {
                double n = Math.Ceiling(r.S / 128);
                return Math.Max(r.B * r.H * n * (n + 1) / 2 * 128 * 128 * (4 * r.D + 5) / (peak * p[0]), r.Bytes / bandwidth) + p[1] * r.B * r.H * n + p[2];
            }),
            ("kept: eta_max s/(s + s_half) + per 128-query tile + fixed", new[] { 0.6, 1000, 2e-8, 1.5e-5 },
                (p, r) => PrefillTime(law with { EtaMax = p[0], HalfTokens = p[1], TileSeconds = p[2], PrefillFixedSeconds = p[3] }, r)),
        };
        var prefillRegimes = new (string Name, Func<ContextRow, bool> In)[]
        {
            ("all", _ => true), ("S <= 512", r => r.S <= 512), ("512 < S <= 2k", r => r.S > 512 && r.S <= 2048), ("S > 2k", r => r.S > 2048),
            ("B <= 4", r => r.B <= 4), ("B >= 32", r => r.B >= 32),
        };
        Console.WriteLine("  prefill, median |ln(pred/meas)| (median pred/meas): " + string.Join(" | ", prefillRegimes.Select(g => g.Name)));
        Console.WriteLine($"    before (eta_attention {eff.EtaAttention}, fixed {oldFixed * 1e6:F1} us): {Report(context, prefillRegimes, r => Work(r, eff.EtaAttention) + oldFixed)}");
        // TensorRT-LLM's law on another engine's kernels: what taking it (rather than the engine's own) would give.
        var trtllmLaw = engine.Name == "trtllm" ? null : device.Attention;
        if (trtllmLaw is not null) Console.WriteLine($"    TensorRT-LLM's law: {Report(context, prefillRegimes, r => PrefillTime(trtllmLaw, r))}");
        double[] kept = Array.Empty<double>();
        foreach (var (name, start, time) in prefillForms)
        {
            var p = Minimise(start, x => context.Average(r => Math.Abs(Math.Log(time(x, r) / r.Seconds))));
            Console.WriteLine($"    {name} ({string.Join(", ", p.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))}): {Report(context, prefillRegimes, r => time(p, r))}");
            kept = p;
        }
        law = law with { EtaMax = kept[0], HalfTokens = kept[1], TileSeconds = kept[2], PrefillFixedSeconds = kept[3] };

        // Decode forms: the KV bytes at the bandwidth, plus a fixed time and one per CTA.
        var decodeForms = new (string Name, double[] Start, Func<double[], DecodeRow, double> Time)[]
        {
            ("fixed only", new[] { 1e-5 }, (p, r) => r.Bytes / bandwidth + p[0]),
            ("per sequence + fixed", new[] { 3e-8, 1e-5 }, (p, r) => r.Bytes / bandwidth + p[0] * r.B + p[1]),
            ("per (sequence x KV head) + fixed", new[] { 1e-8, 1e-5 }, (p, r) => r.Bytes / bandwidth + p[0] * r.B * r.Kv + p[1]),
            ("per (sequence x KV head) + fixed, the KV at its own share of the bandwidth", new[] { 1e-8, 1e-5, device.HbmFraction },
                (p, r) => DecodeTime(law with { KvHeadSeconds = p[0], DecodeFixedSeconds = p[1], KvBandwidthFraction = p[2], WideKvQueryHeadSeconds = 0 }, r)),
            ("the same + per (sequence x query head) at 16-bit caches, added to the stream", new[] { 1e-8, 1e-5, device.HbmFraction, 1e-9 },
                (p, r) => DecodeTime(law with { KvHeadSeconds = p[0], DecodeFixedSeconds = p[1], KvBandwidthFraction = p[2], WideKvQueryHeadSeconds = 0 }, r) + (r.Wide ? p[3] * r.B * r.Q : 0)),
            ("the same, overlapping the stream (kept)", new[] { 1e-8, 1e-5, device.HbmFraction, 1e-9 }, WithWide),
        };
        double l2 = L2Bytes(part.Id);
        var decodeRegimes = new (string Name, Func<DecodeRow, bool> In)[]
        {
            ("all", _ => true), ("B <= 8", r => r.B <= 8), ("B >= 256", r => r.B >= 256), ("T <= 256", r => r.T <= 256), ("T >= 4k", r => r.T >= 4096),
            ("B >= 256, T <= 512", r => r.B >= 256 && r.T <= 512), ("16-bit KV", r => r.Wide), ("FP8 KV", r => !r.Wide),
            ("B >= 256, T <= 512, 16-bit KV", r => r.B >= 256 && r.T <= 512 && r.Wide),
            ("KV < L2", r => r.Bytes < l2), ("KV >= 4 L2", r => r.Bytes >= LargeCacheL2Multiple * l2), ("B >= 64, T >= 2k", r => r.B >= 64 && r.T >= 2048), ("B <= 8, T >= 8k", r => r.B <= 8 && r.T >= 8192), ("16 <= B <= 32, T >= 4k", r => r.B >= 16 && r.B <= 32 && r.T >= 4096),
            ("B >= 64, T <= 1k", r => r.B >= 64 && r.T <= 1024), ("2 L2 > KV >= L2/4", r => r.Bytes < 2 * l2 && r.Bytes >= l2 / 4),
        };
        Console.WriteLine("  decode, median |ln(pred/meas)| (median pred/meas): " + string.Join(" | ", decodeRegimes.Select(g => g.Name)));
        Console.WriteLine($"    before (KV bytes at {bandwidth / 1e9:F0} GB/s + {oldFixed * 1e6:F1} us): {Report(decode, decodeRegimes, r => r.Bytes / bandwidth + oldFixed)}");
        double DecodeTime(AttentionLaw l, DecodeRow r) =>
            Math.Max(r.Bytes / (device.HbmBytesPerSecond * eff.EtaHbm * l.KvBandwidthFraction), l.WideKvQueryHeadTime(r.B, r.Q, r.Wide))
            + l.KvHeadSeconds * r.B * r.Kv + l.DecodeFixedSeconds;
        double WithWide(double[] p, DecodeRow r) =>
            DecodeTime(law with { KvHeadSeconds = p[0], DecodeFixedSeconds = p[1], KvBandwidthFraction = p[2], WideKvQueryHeadSeconds = p[3] }, r);
        var currentLaw = engine.Name == "trtllm" ? device.Attention : device.EngineAttention.GetValueOrDefault(engine.Name);
        if (currentLaw is not null) Console.WriteLine($"    the law in hardware.json: {Report(decode, decodeRegimes, r => DecodeTime(currentLaw, r))}");
        if (trtllmLaw is not null) Console.WriteLine($"    TensorRT-LLM's law: {Report(decode, decodeRegimes, r => DecodeTime(trtllmLaw, r))}");
        var fitted = new List<double[]>();
        foreach (var (name, start, time) in decodeForms)
        {
            var p = Minimise(start, x => decode.Average(r => Math.Abs(Math.Log(time(x, r) / r.Seconds))));
            Console.WriteLine($"    {name} ({string.Join(", ", p.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))}): {Report(decode, decodeRegimes, r => time(p, r))}");
            fitted.Add(p);
        }
        // The per-(sequence x query head) time of 16-bit caches is kept where it lowers the median |ln| over every row;
        // else the law without it (the term at 0).
        var withoutWide = fitted[^3].Append(0).ToArray();
        kept = MedianAbsLn(decode, r => WithWide(fitted[^1], r)) < MedianAbsLn(decode, r => WithWide(withoutWide, r)) ? fitted[^1] : withoutWide;
        kept[2] = Math.Min(1, kept[2]);
        // The generation kernel's share of the bandwidth from the rows whose cache is far beyond L2 (the serving regime, where
        // it streams from HBM: the collector repeats each shape on the same cache, so only there can none of it stay in L2
        // between repetitions), the per-CTA and fixed terms from every row at that share. One share over every row sits
        // between those rows and the ones that run below the streaming rate (on Hopper the caches of L2/4 to 2x L2 and a few
        // sequences at long contexts): TensorRT-LLM's H200 0.657 over every row priced the caches >= 4x L2 1.18x slow, 1.21x
        // at 64+ sequences of 2k+ tokens; on them alone 0.898. The share moves by under 0.03 between 2x, 4x and 8x L2 on
        // Hopper and Blackwell (docs/cost-model.md, Attention kernels).
        if (decode.Where(r => r.Bytes >= LargeCacheL2Multiple * l2).ToList() is { Count: >= 10 } large)
        {
            // (Minimise works on logarithms: a term held at 0 stays out of the search.)
            bool wide = kept[3] > 0;
            double[] Full(double[] x, double share) => new[] { x[0], x[1], share, wide ? x[^1] : 0 };
            var onLarge = Minimise(wide ? kept : kept[..3], x => large.Average(r => Math.Abs(Math.Log(WithWide(Full(x, x[2]), r) / r.Seconds))));
            double share = Math.Min(1, onLarge[2]);
            var rest = Minimise(wide ? new[] { onLarge[0], onLarge[1], onLarge[3] } : onLarge[..2],
                x => decode.Average(r => Math.Abs(Math.Log(WithWide(Full(x, share), r) / r.Seconds))));
            var split = Full(rest, share);
            double allRows = MedianAbsLn(large, r => WithWide(kept, r)), onlyLarge = MedianAbsLn(large, r => WithWide(split, r));
            // TensorRT-LLM's always (its A100 1.0.0 rows ask a share of 1.56, held at 1, which the median alone would refuse while
            // pricing 64+ sequences of 2k+ tokens at 1.51x against 1.34x); vLLM's and SGLang's where it lowers the median there.
            bool better = engine.Name == "trtllm" || onlyLarge < allRows;
            Console.WriteLine($"    the share on the {large.Count} rows with KV >= {LargeCacheL2Multiple} x L2 ({onLarge[2]:G4}, at most 1), the other terms on every row ({string.Join(", ", split.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))}): {Report(decode, decodeRegimes, r => WithWide(split, r))}; on those rows {allRows:F3} -> {onlyLarge:F3}: {(better ? "kept" : "refused")}");
            if (better) kept = split;
        }
        law = law with { KvHeadSeconds = kept[0], DecodeFixedSeconds = kept[1], KvBandwidthFraction = kept[2], WideKvQueryHeadSeconds = kept[3] };

        // Kept where the law, at its stored rounding, lowers the median |ln| over all rows of both tables against the old law
        // (every TensorRT-LLM fit did, by 0.7-1.6); a share of peak above 1 is no law of this kernel.
        var json = new JsonObject
        {
            ["eta_max"] = Math.Round(law.EtaMax, 3), ["half_tokens"] = Math.Round(law.HalfTokens), ["tile_ns"] = Math.Round(law.TileSeconds * 1e9, 1),
            ["prefill_fixed_us"] = Math.Round(law.PrefillFixedSeconds * 1e6, 1), ["kv_head_ns"] = Math.Round(law.KvHeadSeconds * 1e9, 2),
            ["decode_fixed_us"] = Math.Round(law.DecodeFixedSeconds * 1e6, 1), ["kv_hbm_fraction"] = Math.Round(law.KvBandwidthFraction, 3),
            [AttentionLaw.WideKvQueryHeadField] = Math.Round(law.WideKvQueryHeadSeconds * 1e9, 2),
        };
        var stored = new AttentionLaw((double)json["eta_max"]!, (double)json["half_tokens"]!, (double)json["tile_ns"]! * 1e-9,
            (double)json["prefill_fixed_us"]! * 1e-6, (double)json["kv_head_ns"]! * 1e-9, (double)json["decode_fixed_us"]! * 1e-6, (double)json["kv_hbm_fraction"]!,
            (double)json[AttentionLaw.WideKvQueryHeadField]! * 1e-9);
        double prefillBefore = MedianAbsLn(context, r => Work(r, eff.EtaAttention) + oldFixed), prefillAfter = MedianAbsLn(context, r => PrefillTime(stored, r));
        double decodeBefore = MedianAbsLn(decode, r => r.Bytes / bandwidth + oldFixed), decodeAfter = MedianAbsLn(decode, r => DecodeTime(stored, r));
        bool keep = stored.EtaMax <= 1 && prefillAfter < prefillBefore && decodeAfter < decodeBefore;
        Console.WriteLine($"  stored law: prefill {prefillBefore:F3} -> {prefillAfter:F3}, decode {decodeBefore:F3} -> {decodeAfter:F3}: {(keep ? "kept" : "refused")} {json.ToJsonString()}");
        return keep ? json : null;
    }

    /// <summary>How many times the device's L2 a generation row's KV bytes must be for its time to stream from HBM.</summary>
    public const double LargeCacheL2Multiple = 4;

    /// <summary>The device's L2 size (hardware.json <c>l2_bytes</c>, from its datasheet), read from the built-in catalog's text.</summary>
    private static double L2Bytes(string id)
    {
        using var stream = typeof(HardwareCatalog).Assembly.GetManifestResourceStream("hardware.json")!;
        var doc = System.Text.Json.JsonDocument.Parse(stream);
        foreach (var d in doc.RootElement.GetProperty("devices").EnumerateArray())
            if (d.GetProperty("id").GetString() == id && d.TryGetProperty("l2_bytes", out var l2) && l2.ValueKind == System.Text.Json.JsonValueKind.Number)
                return l2.GetDouble();
        return double.NaN;
    }

    private static double MedianAbsLn<T>(List<T> rows, Func<T, double> predicted) =>
        Median(rows.Select(r => Math.Abs(Math.Log(predicted(r) / Seconds(r)))).ToList());

    private static string Report<T>(List<T> rows, (string Name, Func<T, bool> In)[] regimes, Func<T, double> predicted) =>
        string.Join(" | ", regimes.Select(g =>
        {
            var ratios = rows.Where(g.In).Select(r => predicted(r) / Seconds(r)).ToList();
            if (ratios.Count == 0) return "-";
            return $"{Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()):F3} ({Median(ratios):F2}x)";
        }));

    private static double Seconds<T>(T row) => row switch { ContextRow c => c.Seconds, DecodeRow d => d.Seconds, _ => double.NaN };

    /// <summary>Nelder-Mead over the logarithms of positive constants (each stays positive), from <paramref name="start"/>.</summary>
    public static double[] Minimise(double[] start, Func<double[], double> objective, int iterations = 400)
    {
        int n = start.Length;
        double F(double[] lx) => objective(lx.Select(v => Math.Exp(v)).ToArray());
        var pts = new double[n + 1][];
        pts[0] = start.Select(v => Math.Log(v)).ToArray();
        for (int i = 0; i < n; i++) { pts[i + 1] = (double[])pts[0].Clone(); pts[i + 1][i] += 0.5; }
        var vals = pts.Select(F).ToArray();
        for (int it = 0; it < iterations; it++)
        {
            var order = Enumerable.Range(0, n + 1).OrderBy(i => vals[i]).ToArray();
            pts = order.Select(i => pts[i]).ToArray(); vals = order.Select(i => vals[i]).ToArray();
            var c = Enumerable.Range(0, n).Select(j => pts.Take(n).Average(p => p[j])).ToArray();
            double[] Toward(double t) => Enumerable.Range(0, n).Select(j => c[j] + t * (pts[n][j] - c[j])).ToArray();
            var xr = Toward(-1); double fr = F(xr);
            if (fr < vals[0])
            {
                var xe = Toward(-2); double fe = F(xe);
                (pts[n], vals[n]) = fe < fr ? (xe, fe) : (xr, fr);
            }
            else if (fr < vals[n - 1]) (pts[n], vals[n]) = (xr, fr);
            else
            {
                var xc = Toward(0.5); double fc = F(xc);
                if (fc < vals[n]) (pts[n], vals[n]) = (xc, fc);
                else
                    for (int i = 1; i <= n; i++)
                    {
                        pts[i] = Enumerable.Range(0, n).Select(j => pts[0][j] + 0.5 * (pts[i][j] - pts[0][j])).ToArray();
                        vals[i] = F(pts[i]);
                    }
            }
        }
        int best = Enumerable.Range(0, n + 1).OrderBy(i => vals[i]).First();
        return pts[best].Select(v => Math.Exp(v)).ToArray();
    }
}
