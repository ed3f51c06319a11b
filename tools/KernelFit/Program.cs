using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// Derives the measured kernel constants of hardware.json from NVIDIA AIConfigurator's kernel database
/// (https://github.com/ai-dynamo/aiconfigurator, aic-core/src/aiconfigurator_core/systems/data), per device and
/// serving engine (TensorRT-LLM, vLLM, SGLang):
/// <list type="bullet">
/// <item>gemm: the intercept of a least-squares line through Linear-layer latency against weight bytes at one
/// row (m = 1, 8 MB to 2 GB of weights), kept where the fit's rms residual is below the intercept itself; replaced by the
/// fixed latency of the small-M fit (<see cref="GemmKFit"/>: a serial time per K element, k_ps, and the activation
/// quantization, token_ps.gemm) where that fit keeps a term;</item>
/// <item>moe: the median, over the one-token rows of the engine's fused MoE (balanced routing), of latency minus
/// the touched experts' weight bytes at the weight-streaming bandwidth;</item>
/// <item>attention and mla: the intercept of decode-attention latency against the KV (or MLA latent) bytes read
/// at one to four sequences;</item>
/// <item>all_reduce: the engine's custom all-reduce under CUDA graphs, time against message size per GPU count;</item>
/// <item>all_gather, reduce_scatter, all_to_all: NCCL's (nccl-tests) inside a node, time against the nccl-tests size;</item>
/// <item>ep_dispatch, ep_combine: DeepEP's low-latency kernels (SGLang's decode all-to-all, deepep_ll) and normal kernels
/// (its prefill all-to-all, deepep_normal) per expert-parallel group, time against the 16-bit bytes of the token-expert
/// (low-latency) or token-GPU (normal) copies one rank sends (<see cref="DeepEpCurves"/>);</item>
/// <item>linear attention (gated DeltaNet, Mamba-2 and their short convolutions, <see cref="RecurrentReport"/>): a fixed
/// latency per kernel kind and phase (gdn_prefill, conv1d_decode, ...) and the chunked scans' share of the BF16 peak, with the
/// law's median error on every row before and after;</item>
/// <item>attention_law (<see cref="AttentionFit"/>): TensorRT-LLM's context and generation attention kernels' law (the context
/// kernel's share of peak by prompt length, its time per 128-query tile and fixed time; the generation kernel's time per
/// sequence and KV head and fixed time, its share of the HBM bandwidth from the caches >= 4x L2), with the law's median error by regime before and after, and the forms chosen against;
/// the same per engine on vLLM's and SGLang's own attention tables (<c>engines.NAME.attention_law</c>), kept where it beats the old law;</item>
/// <item>checks: the weight-streaming bandwidth and large-GEMM fractions, and the median error of the cost model's
/// MoE law on every MoE row, with both laws (streaming + math, and the larger of the two);</item>
/// <item>moe per-row and per-expert work (<see cref="MoeRowFit"/>): picoseconds per hidden element of each token-expert copy
/// (row_ps) and of each input token (token_ps), nanoseconds per expert run (expert_ns) and, for TensorRT-LLM's kernels, per
/// copy (copy_ns, under the law in which the weights stream under the math), fitted on the balanced rows of
/// the engine's fused MoE at the experts its routing touched, with the law's error before and after, overall, by expert
/// width and at a few tokens under expert parallelism.</item>
/// <item>a check, not used by the cost model: the fused MoE's math as a K-loop at the dense peak (<see cref="MoeMathFit"/>),
/// its one constant per table and the error before and after, with the many-token rows.</item>
/// </list>
/// The report goes to standard output; with a second argument, the hardware.json fragments (`measured.engines`, with
/// each engine's `fixed_us` and its MoE `row_ps`, `token_ps` and `expert_ns`,
/// `measured.all_reduce` and the collectives' curves per device, and `linear_attention`: per engine the recurrent
/// kinds' `fixed_us` and `scan_fraction`, which go to `measured` for TensorRT-LLM and `measured.engines.NAME` for the
/// others) are written to that file as JSON.
/// Usage: dotnet run --project tools/KernelFit -- AICONFIGURATOR_DATA_DIR [fragments.json]
/// (or `-- attention DATA_DIR`: the attention law's fit alone; `-- mla DATA_DIR [ENGINE]`: the MLA law's (<see cref="MlaFit"/>,
/// hardware.json `measured.mla_law`, TensorRT-LLM's by default), not part of the full run; or `-- step-audit ...`: one step's ops as the kernel tables time them beside the cost model's, <see cref="StepAudit"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "step-audit") return await StepAudit.Run(args[1..]);
        if (args.Length == 2 && args[0] == "attention" && Directory.Exists(args[1])) return await AttentionOnly(args[1]);
        if (args.Length >= 2 && args[0] == "mla" && Directory.Exists(args[1])) return await MlaOnly(args[1], args.Length > 2 ? args[2] : "trtllm");
        if (args.Length is < 1 or > 2 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: KernelFit AICONFIGURATOR_DATA_DIR [fragments.json] (aic-core/src/aiconfigurator_core/systems/data)");
            return 2;
        }
        var fragments = new JsonObject();
        foreach (var part in Sources.Parts)
        {
            var device = new JsonObject { ["engines"] = new JsonObject(), ["all_reduce"] = new JsonObject() };
            var rates = new DeviceRates();
            foreach (var engine in Sources.Engines)
            {
                if (!engine.Versions.TryGetValue(part.Dir, out var version)) continue;
                var (fixedUs, rowPs, tokenPs, expertNs, copyNs, gemmK) = await Report(args[0], part, engine, version, device["all_reduce"]!.AsObject(), rates);
                if (fixedUs.Count > 0)
                    device["engines"]![engine.Name] = new JsonObject { ["version"] = version, ["fixed_us"] = fixedUs };
                if (rowPs.Count > 0) device["engines"]![engine.Name]!["row_ps"] = new JsonObject { ["moe"] = rowPs };
                if (tokenPs.Count > 0) device["engines"]![engine.Name]!["token_ps"] = new JsonObject { ["moe"] = tokenPs };
                if (expertNs.Count > 0) device["engines"]![engine.Name]!["expert_ns"] = new JsonObject { ["moe"] = expertNs };
                if (copyNs.Count > 0) device["engines"]![engine.Name]!["copy_ns"] = new JsonObject { ["moe"] = copyNs };
                if (gemmK["k_ps"] is JsonObject kPs) device["engines"]![engine.Name]!["k_ps"] = kPs.DeepClone();
                if (gemmK["token_ps"]?["gemm"] is JsonObject quantize)
                {
                    if (device["engines"]![engine.Name]!["token_ps"] is not JsonObject tokens) device["engines"]![engine.Name]!["token_ps"] = tokens = new JsonObject();
                    tokens["gemm"] = quantize.DeepClone();
                }
            }
            if (Sources.NcclVersions.TryGetValue(part.Dir, out var nccl)
                && File.Exists(Path.Combine(args[0], part.Dir, "comm", "nccl", nccl, "nccl_perf.parquet")))
            {
                var curves = NcclCurves(await ParquetTable.ReadAsync(Path.Combine(args[0], part.Dir, "comm", "nccl", nccl, "nccl_perf.parquet")));
                foreach (var (kind, byGpus) in curves)
                {
                    var json = new JsonObject();
                    foreach (var (gpus, pts) in byGpus)
                    {
                        Console.WriteLine($"  {kind} x{gpus} (NCCL {nccl}): " + string.Join(", ", pts.Select(p => $"{p.Bytes:G} B {p.Us} us")));
                        json[gpus.ToString(CultureInfo.InvariantCulture)] = new JsonArray(pts.Select(p => (JsonNode)new JsonArray(p.Bytes, p.Us)).ToArray());
                    }
                    device[kind] = new JsonObject { ["nccl"] = json };
                }
            }
            if (Sources.DeepEpVersions.TryGetValue(part.Dir, out var deepEp))
            {
                if (TablePath(args[0], part, "comm", "sglang", deepEp, "wideep_deepep_ll_perf.parquet") is { } llPath)
                    AddEpCurves(device, "deepep_ll", $"DeepEP low-latency, SGLang {deepEp} table", DeepEpCurves.Read(await ParquetTable.ReadAsync(llPath)));
                if (TablePath(args[0], part, "comm", "sglang", deepEp, "wideep_deepep_normal_perf.parquet") is { } normalPath)
                    AddEpCurves(device, "deepep_normal", $"DeepEP normal, {DeepEpCurves.DefaultSms} SMs, SGLang {deepEp} table", DeepEpCurves.ReadNormal(await ParquetTable.ReadAsync(normalPath)));
            }
            foreach (var (engine, law) in await AttentionLaws(args[0], part))
                if (engine == Sources.Engines[0].Name) device["attention_law"] = law;
                else if (device["engines"]![engine] is JsonObject own) own["attention_law"] = law;
                else device["engines"]![engine] = new JsonObject { ["version"] = Sources.Engines.First(e => e.Name == engine).Versions[part.Dir], ["attention_law"] = law };
            var recurrent = await RecurrentReport.Run(args[0], part);
            if (recurrent.Count > 0) device["linear_attention"] = recurrent;
            fragments[part.Id] = device;
        }
        if (args.Length == 2)
            File.WriteAllText(args[1], fragments.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return 0;
    }

    /// <summary><c>KernelFit attention DATA_DIR</c>: the attention law's fit alone, per device, and its fragments on standard output.</summary>
    private static async Task<int> AttentionOnly(string root)
    {
        var fragments = new JsonObject();
        foreach (var part in Sources.Parts)
            foreach (var (engine, law) in await AttentionLaws(root, part))
                fragments[$"{part.Id} {engine}"] = law;
        Console.WriteLine(fragments.ToJsonString());
        return 0;
    }

    /// <summary><c>KernelFit mla DATA_DIR [ENGINE]</c>: the MLA law's fit alone (<see cref="MlaFit"/>), per device, at the engine's
    /// newest version with both MLA tables, and its fragments on standard output.</summary>
    private static async Task<int> MlaOnly(string root, string engine)
    {
        var fragments = new JsonObject();
        foreach (var part in Sources.Parts)
            if (MlaFit.Version(root, part, engine) is { } version && await MlaFit.Run(root, part, engine, version) is { } law)
                fragments[part.Id] = law;
        Console.WriteLine(fragments.ToJsonString());
        return 0;
    }

    /// <summary>The attention laws kept for one device, per engine (TensorRT-LLM's first), each from the version
    /// <see cref="Sources.Engines"/> reads on that device.</summary>
    private static async Task<List<(string Engine, JsonObject Law)>> AttentionLaws(string root, Part part)
    {
        var laws = new List<(string, JsonObject)>();
        foreach (var engine in Sources.Engines)
            if (engine.Versions.TryGetValue(part.Dir, out var version) && await AttentionFit.Run(root, part, engine, version) is { } law)
                laws.Add((engine.Name, law));
        return laws;
    }

    /// <summary>Prints expert dispatch and combine curves and adds them to the device's fragment under one implementation
    /// key (<c>measured.ep_dispatch.deepep_ll</c>, ...), beside the kinds' other implementations.</summary>
    private static void AddEpCurves(JsonObject device, string implementation, string label,
        SortedDictionary<string, SortedDictionary<int, List<(double Bytes, double Us)>>> curves)
    {
        foreach (var (kind, byGpus) in curves)
        {
            if (byGpus.Count == 0) continue;
            var json = new JsonObject();
            foreach (var (gpus, pts) in byGpus)
            {
                Console.WriteLine($"  {kind} x{gpus} ({label}): " + string.Join(", ", pts.Select(p => $"{p.Bytes:G} B {p.Us} us")));
                json[gpus.ToString(CultureInfo.InvariantCulture)] = new JsonArray(pts.Select(p => (JsonNode)new JsonArray(p.Bytes, p.Us)).ToArray());
            }
            if (device[kind] is not JsonObject byImplementation) device[kind] = byImplementation = new JsonObject();
            byImplementation[implementation] = json;
        }
    }

    private static string? TablePath(string root, Part part, string kind, string engine, string version, string file)
    {
        var path = Path.Combine(root, part.Dir, kind, engine, version, file);
        return File.Exists(path) ? path : null;
    }

    /// <summary>The weight-streaming bandwidth and GEMM fractions the cost model uses for every engine on a device:
    /// TensorRT-LLM's (hardware.json measured.hbm_fraction and gemm_fraction), set by the first engine read.</summary>
    internal sealed class DeviceRates
    {
        public double Stream;
        public Dictionary<string, double>? Fractions;
        /// <summary>TensorRT-LLM's GEMM fixed latencies (seconds by format), which an engine without its own takes.</summary>
        public Dictionary<string, double> GemmFixed = new();
    }

    /// <summary>Prints one engine's fits on one device and returns its fixed latencies (microseconds by kernel kind
    /// and format) and its fused MoE's per-row work (picoseconds per token-expert pair, and per input token, and hidden
    /// element, by format);
    /// adds its all-reduce curves to <paramref name="allReduce"/>.</summary>
    private static async Task<(JsonObject FixedUs, JsonObject RowPs, JsonObject TokenPs, JsonObject ExpertNs, JsonObject CopyNs, JsonObject GemmK)> Report(string root, Part part, Engine engine, string version, JsonObject allReduce,
        DeviceRates rates)
    {
        Console.WriteLine($"== {part.Id} ({engine.Name} {version})");
        var fixedUs = new JsonObject();
        void Keep(string kind, string format, double seconds)
        {
            if (fixedUs[kind] is not JsonObject byFormat) fixedUs[kind] = byFormat = new JsonObject();
            byFormat[format] = Math.Round(seconds * 1e6, 1);
        }
        var rowPs = new JsonObject();
        var tokenPs = new JsonObject();
        var expertNs = new JsonObject();
        var copyNs = new JsonObject();
        var gemmK = new JsonObject();
        var gemmPath = TablePath(root, part, "gemm", engine.Name, version, "gemm_perf.parquet");
        if (gemmPath is null) { Console.WriteLine("  no GEMM table"); return (fixedUs, rowPs, tokenPs, expertNs, copyNs, gemmK); }
        var gemm = await ParquetTable.ReadAsync(gemmPath);
        double stream = StreamingBandwidth(gemm, engine);
        Console.WriteLine($"  weight streaming (bf16, m=1, >= 256 MiB): median {stream / 1e9:F0} GB/s = {stream / (part.HbmGbps * 1e9):F3} of {part.HbmGbps} GB/s");
        var fractions = GemmFractions(gemm, engine, part);
        foreach (var (key, f) in fractions) Console.WriteLine($"  gemm_fraction {key}: {f:F3} (Linear at 8192^3)");
        if (rates.Fractions is null) (rates.Stream, rates.Fractions) = (stream, fractions);
        foreach (var fit in GemmFixed(gemm, engine))
        {
            Console.WriteLine($"  gemm {fit.Key,-9} t0 {fit.T0 * 1e6,6:F2} us  slope {1 / fit.Slope / 1e9,5:F0} GB/s  rms {fit.Rms * 1e6,5:F2} us  n {fit.N,3}  {(fit.Kept ? "kept" : "dropped: rms above intercept")}");
            if (fit.Kept) Keep("gemm", fit.Key, fit.T0);
        }
        var kPs = new JsonObject();
        var quantizePs = new JsonObject();
        foreach (var (key, form) in await GemmKReport.Run(root, part, gemm, engine, rates, fixedUs))
        {
            // The kept form's fixed latency replaces the intercept: the two were fitted together.
            Keep("gemm", key, form.Fixed);
            if (form.PerK > 0) kPs[key] = Math.Round(form.PerK * 1e12, 1);
            if (form.Quantize > 0) quantizePs[key] = Math.Round(form.Quantize * 1e12, 3);
        }
        if (kPs.Count > 0) gemmK["k_ps"] = new JsonObject { ["gemm"] = kPs };
        if (quantizePs.Count > 0) gemmK["token_ps"] = new JsonObject { ["gemm"] = quantizePs };
        if (TablePath(root, part, "attention", engine.Name, version, "generation_attention_perf.parquet") is { } attnPath
            && AttentionFixed(await ParquetTable.ReadAsync(attnPath)) is { } attn)
        {
            Console.WriteLine($"  attention decode t0 {attn.T0 * 1e6,6:F2} us  slope {1 / attn.Slope / 1e9,5:F0} GB/s  rms {attn.Rms * 1e6,5:F2} us  n {attn.N,4}  {(attn.Kept ? "kept" : "dropped")}");
            if (attn.Kept) Keep("attention", "bf16", attn.T0);
        }
        if (TablePath(root, part, "mla", engine.Name, version, "generation_mla_perf.parquet") is { } mlaPath)
        {
            var mla = await ParquetTable.ReadAsync(mlaPath);
            // Only tables of the bare kernel (TensorRT-LLM and SGLang name it mla_generation); vLLM 0.14's times more.
            if (mla.Rows.Count > 0 && mla.Rows[0]["op_name"] == "mla_generation" && MlaFixed(mla) is { } m)
            {
                Console.WriteLine($"  mla decode       t0 {m.T0 * 1e6,6:F2} us  slope {1 / m.Slope / 1e9,5:F0} GB/s  rms {m.Rms * 1e6,5:F2} us  n {m.N,4}  {(m.Kept ? "kept" : "dropped")}");
                if (m.Kept) Keep("mla", "bf16", m.T0);
            }
            else Console.WriteLine($"  mla decode: table times '{(mla.Rows.Count > 0 ? mla.Rows[0]["op_name"] : "nothing")}', not the bare kernel; not used");
        }
        var moePath = TablePath(root, part, "moe", engine.Name, version, "moe_perf.parquet");
        if (moePath is not null)
        {
            var moe = MoeRows(await ParquetTable.ReadAsync(moePath), engine).ToList();
            var fixedMoe = MoeFixed(moe, stream);
            foreach (var (key, (median, n)) in fixedMoe)
            {
                bool consistent = MoeFixedConsistent(moe, key, stream);
                Console.WriteLine($"  moe  {key,-9} fixed {median * 1e6,6:F1} us (median over {n} one-token rows){(consistent ? "" : "  dropped: one-token rows spread more than their median")}");
                if (consistent) Keep("moe", key, median);
            }
            foreach (var (key, (median, _)) in fixedMoe)
            {
                string math = key == "fp8_block" ? "fp8" : key; // block scales run on the FP8 tensor cores
                if (!fractions.TryGetValue(math, out var frac) || !part.PeakTflops.TryGetValue(math, out var peak)) continue;
                double rate = peak * 1e12 * frac * 0.8434; // the profiles' eta_grouped_gemm
                foreach (var dist in new[] { "balanced", "power_law_1.01", "power_law_1.2" })
                {
                    var max = MoeLawError(moe, key, dist, stream, rate, median, serial: false);
                    var sum = MoeLawError(moe, key, dist, stream, rate, median, serial: true);
                    if (sum.N == 0) continue;
                    Console.WriteLine($"  moe  {key,-9} {dist,-14} {sum.N,5} rows: median |error| {sum.Median:P1} streaming + math, {max.Median:P1} max of the two (median predicted/measured {sum.Ratio:F2} and {max.Ratio:F2})");
                }
            }
            bool overlap = MoeRowFit.Overlap(engine.Name);
            foreach (var (key, fit) in RowFits(moe, fixedMoe, fixedUs, rates, part, overlap))
            {
                Console.WriteLine($"  moe  {key,-9} {(overlap ? "weights streamed under the math; " : "")}per-row {fit.RowsOnlyFit.Pair * 1e12:F2} ps per pair x hidden + {fit.RowsOnlyFit.Token * 1e12:F2} ps per token x hidden"
                    + $"{(overlap ? $" + {fit.RowsOnlyFit.Copy * 1e9:F2} ns per copy" : "")}; with the per-expert term "
                    + $"{fit.WithExpertFit.Pair * 1e12:F2} + {fit.WithExpertFit.Token * 1e12:F2} ps{(overlap ? $", {fit.WithExpertFit.Copy * 1e9:F2} ns per copy" : "")} and {fit.WithExpertFit.Expert * 1e9:F0} ns per active expert; "
                    + $"median |ln error| (measured/predicted, n) all, inter/tp < {MoeRowFit.NarrowBelow}, middle, >= {MoeRowFit.WideFrom}, ep = 1 at >= 1024 tokens, ep >= 2 at <= 64 tokens; then by tokens:");
                foreach (var (label, s) in new[] { ("before", fit.Before), ("rows  ", fit.RowsOnly), ("expert", fit.WithExpert) })
                    Console.WriteLine($"       {label} {s.All}  {s.Narrow}  {s.Middle}  {s.Wide}  {s.ManyTokensEp1}  {s.FewTokensEp}\n              {s.BandsText}");
                Console.WriteLine("       " + (fit.ExpertKept ? "kept with the per-expert term" : fit.RowsKept ? "kept the per-row terms; per-expert term dropped" : "dropped: does not lower the error over all rows and the narrow ones"));
                var kept = fit.Kept;
                if (kept.Pair + kept.Token > 0) rowPs[key] = Math.Round(kept.Pair * 1e12, 2);
                if (Math.Round(kept.Token * 1e12, 2) > 0) tokenPs[key] = Math.Round(kept.Token * 1e12, 2);
                if (kept.Expert > 0) expertNs[key] = Math.Round(kept.Expert * 1e9);
                // Written wherever the overlapped law's terms are kept, 0 included: its presence selects that law.
                if (overlap && kept != MoeRowFit.Coefficients.None) copyNs[key] = Math.Round(kept.Copy * 1e9, 2);
            }
        }
        if (TablePath(root, part, "comm", engine.Name, version, "custom_allreduce_perf.parquet") is { } commPath)
        {
            var curves = AllReduceCurves(await ParquetTable.ReadAsync(commPath));
            var byGpus = new JsonObject();
            foreach (var (gpus, pts) in curves)
            {
                Console.WriteLine($"  all-reduce x{gpus} ({engine.Name} {version}, graph): " + string.Join(", ", pts.Select(p => $"{p.Bytes:G} B {p.Us} us")));
                byGpus[gpus.ToString(CultureInfo.InvariantCulture)] = new JsonArray(pts.Select(p => (JsonNode)new JsonArray(p.Bytes, p.Us)).ToArray());
            }
            if (curves.Count > 0) allReduce[engine.Name] = byGpus;
        }
        return (fixedUs, rowPs, tokenPs, expertNs, copyNs, gemmK);
    }

    /// <summary>The per-row fit of each format whose fixed latency was kept, on the balanced rows, with the device's
    /// rates as the cost model uses them (<see cref="MoeRowFit"/>); block-scaled FP8 runs on the FP8 tensor cores.</summary>
    private static IEnumerable<(string Key, MoeRowFit.Result Fit)> RowFits(List<MoeRow> moe, SortedDictionary<string, (double Median, int N)> fixedMoe,
        JsonObject fixedUs, DeviceRates rates, Part part, bool overlap)
    {
        foreach (var key in fixedMoe.Keys)
        {
            string math = key == "fp8_block" ? "fp8" : key;
            if (fixedUs["moe"]?[key] is not { } kept || rates.Fractions is null || !rates.Fractions.TryGetValue(math, out var frac)
                || !part.PeakTflops.TryGetValue(math, out var peak)) continue;
            var balanced = moe.Where(r => r.Key == key && r.Distribution == "balanced").ToList();
            if (balanced.Count == 0) continue;
            double rate = peak * 1e12 * frac * 0.8434; // the profiles' eta_grouped_gemm
            // The fixed latency as hardware.json stores it (0.1 us), the one the cost model adds.
            var fit = MoeRowFit.Fit(balanced, (double)kept * 1e-6, rates.Stream, rate, overlap);
            var kloop = MoeMathFit.Fit(balanced, (double)kept * 1e-6, rates.Stream, rate, peak * 1e12, fit.Kept, overlap);
            Console.WriteLine($"  moe  {key,-9} K-loop math at the dense peak (not used): K0 {kloop.K0:F0}; median |ln error| all, inter/tp < {MoeRowFit.NarrowBelow}, middle, "
                + $">= {MoeRowFit.WideFrom}, ep >= 2 at <= 64 tokens, >= {MoeMathFit.ManyTokensFrom} tokens: law {kloop.Before} -> {kloop.After}{(kloop.Lowers ? "  lowers both" : "")}");
            yield return (key, fit);
        }
    }
}
