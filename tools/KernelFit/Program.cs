using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GraphDsl.Backends.CostModel.Moe;

namespace KernelFit;

/// <summary>
/// Derives the measured kernel constants of hardware.json from NVIDIA AIConfigurator's TensorRT-LLM kernel
/// database (https://github.com/ai-dynamo/aiconfigurator, aic-core/src/aiconfigurator_core/systems/data):
/// <list type="bullet">
/// <item>gemm_fixed_us: the intercept of a least-squares line through Linear-layer latency against weight
/// bytes at one row (m = 1, weights of 8 MB to 2 GB), kept where the fit's rms residual is below the
/// intercept itself;</item>
/// <item>moe_fixed_us: the median, over the one-token rows of the fused MoE layer (balanced routing, CUTLASS
/// kernels), of latency minus the touched experts' weight bytes at the device's weight-streaming bandwidth;</item>
/// <item>a check: the median error of the cost model's MoE law (fixed + max(bytes / bandwidth, FLOPs / rate))
/// on every balanced MoE row, with the measured fixed latency and with a 2 us launch instead.</item>
/// </list>
/// Usage: dotnet run --project tools/KernelFit -- AICONFIGURATOR_DATA_DIR
/// </summary>
public static class Program
{
    private sealed record Part(string Dir, string Version, string Id, double HbmGbps, Dictionary<string, double> PeakTflops);

    private static readonly Part[] Parts =
    {
        new("a100_sxm", "1.0.0", "a100-sxm-80gb", 2039, new() { ["bf16"] = 312 }),
        new("h100_sxm", "1.3.0rc20", "h100-sxm", 3350, new() { ["bf16"] = 989, ["fp8"] = 1979 }),
        new("h200_sxm", "1.3.0rc20", "h200-sxm", 4800, new() { ["bf16"] = 989, ["fp8"] = 1979 }),
        new("b200_sxm", "1.3.0rc20", "b200", 7700, new() { ["bf16"] = 2250, ["fp8"] = 4500, ["fp4"] = 9000 }),
    };

    // AIConfigurator's dtype names -> hardware.json format keys, and bytes per weight element (scales included).
    private static readonly Dictionary<string, (string Key, double Bytes)> Formats = new()
    {
        ["bfloat16"] = ("bf16", 2), ["fp8"] = ("fp8", 1), ["fp8_block"] = ("fp8_block", 1 + 1.0 / 128),
        ["nvfp4"] = ("fp4", 0.5 + 1.0 / 16), ["int8_wo"] = ("int8", 1), ["int4_wo"] = ("int4", 0.5),
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: KernelFit AICONFIGURATOR_DATA_DIR (aic-core/src/aiconfigurator_core/systems/data)");
            return 2;
        }
        foreach (var part in Parts)
        {
            Console.WriteLine($"== {part.Id} (TensorRT-LLM {part.Version})");
            var gemm = await ParquetTable.ReadAsync(Path.Combine(args[0], part.Dir, "gemm", "trtllm", part.Version, "gemm_perf.parquet"));
            double stream = StreamingBandwidth(gemm);
            Console.WriteLine($"  weight streaming (bf16, m=1, >= 256 MiB): median {stream / 1e9:F0} GB/s = {stream / (part.HbmGbps * 1e9):F3} of {part.HbmGbps} GB/s");
            var fractions = GemmFractions(gemm, part);
            foreach (var (key, f) in fractions) Console.WriteLine($"  gemm_fraction {key}: {f:F3} (Linear at 8192^3)");
            foreach (var fit in GemmFixed(gemm))
                Console.WriteLine($"  gemm {fit.Key,-9} t0 {fit.T0 * 1e6,6:F2} us  slope {1 / fit.Slope / 1e9,5:F0} GB/s  rms {fit.Rms * 1e6,5:F2} us  n {fit.N,3}  {(fit.T0 > 0 && fit.Rms <= fit.T0 ? "kept" : "dropped: rms above intercept")}");
            var moePath = Path.Combine(args[0], part.Dir, "moe", "trtllm", part.Version, "moe_perf.parquet");
            if (!File.Exists(moePath)) continue;
            var moe = MoeRows(await ParquetTable.ReadAsync(moePath)).ToList();
            var fixedMoe = MoeFixed(moe, stream);
            foreach (var (key, (median, n)) in fixedMoe) Console.WriteLine($"  moe  {key,-9} fixed {median * 1e6,6:F1} us (median over {n} one-token rows)");
            foreach (var (key, (median, n)) in fixedMoe)
            {
                string math = key == "fp8_block" ? "fp8" : key; // block scales run on the FP8 tensor cores
                if (!fractions.TryGetValue(math, out var frac) || !part.PeakTflops.TryGetValue(math, out var peak)) continue;
                double rate = peak * 1e12 * frac * 0.8434; // the profiles' eta_grouped_gemm
                var measured = MoeLawError(moe, key, "balanced", stream, rate, median, serial: false);
                var launch = MoeLawError(moe, key, "balanced", stream, rate, 2e-6, serial: false);
                Console.WriteLine($"  moe  {key,-9} law vs {measured.N} balanced rows: median |error| {measured.Median:P1} with the measured fixed latency, {launch.Median:P1} with 2 us (median predicted/measured {measured.Ratio:F2} and {launch.Ratio:F2})");
                foreach (var dist in new[] { "balanced", "power_law_1.01", "power_law_1.2" })
                {
                    var max = MoeLawError(moe, key, dist, stream, rate, median, serial: false);
                    var sum = MoeLawError(moe, key, dist, stream, rate, median, serial: true);
                    Console.WriteLine($"  moe  {key,-9} {dist,-14} {sum.N,5} rows: median |error| {sum.Median:P1} streaming + math, {max.Median:P1} max of the two (median predicted/measured {sum.Ratio:F2} and {max.Ratio:F2})");
                }
            }
        }
        return 0;
    }

    private static double D(IReadOnlyDictionary<string, string> r, string k) => double.Parse(r[k], CultureInfo.InvariantCulture);

    private static double Median(List<double> xs) { xs.Sort(); return xs.Count == 0 ? double.NaN : xs[xs.Count / 2]; }

    private static double StreamingBandwidth(ParquetTable gemm) => Median(gemm.Rows
        .Where(r => r["gemm_dtype"] == "bfloat16" && D(r, "m") == 1 && D(r, "n") * D(r, "k") * 2 >= 256.0 * (1 << 20))
        .Select(r => D(r, "n") * D(r, "k") * 2 / (D(r, "latency") * 1e-3)).ToList());

    private static Dictionary<string, double> GemmFractions(ParquetTable gemm, Part part)
    {
        var result = new Dictionary<string, double>();
        foreach (var r in gemm.Rows.Where(r => D(r, "m") == 8192 && D(r, "n") == 8192 && D(r, "k") == 8192))
            if (Formats.TryGetValue(r["gemm_dtype"], out var f) && part.PeakTflops.TryGetValue(f.Key, out var peak))
                result[f.Key] = 2.0 * 8192 * 8192 * 8192 / (D(r, "latency") * 1e-3) / (peak * 1e12);
        return result;
    }

    private sealed record Fit(string Key, double T0, double Slope, double Rms, int N);

    private static IEnumerable<Fit> GemmFixed(ParquetTable gemm)
    {
        foreach (var group in gemm.Rows.Where(r => D(r, "m") == 1 && Formats.ContainsKey(r["gemm_dtype"])).GroupBy(r => r["gemm_dtype"]))
        {
            var pts = group.Select(r => (X: D(r, "n") * D(r, "k") * Formats[group.Key].Bytes, Y: D(r, "latency") * 1e-3))
                .Where(p => p.X >= 8e6 && p.X <= 2e9).ToList();
            if (pts.Count < 5) continue;
            double mx = pts.Average(p => p.X), my = pts.Average(p => p.Y);
            double slope = pts.Sum(p => (p.X - mx) * (p.Y - my)) / pts.Sum(p => (p.X - mx) * (p.X - mx));
            double t0 = my - slope * mx;
            double rms = Math.Sqrt(pts.Average(p => Math.Pow(p.Y - t0 - slope * p.X, 2)));
            yield return new Fit(Formats[group.Key].Key, t0, slope, rms, pts.Count);
        }
    }

    private sealed record MoeRow(string Key, string Distribution, double Tokens, double TouchedBytes, double Flops, double Seconds);

    /// <summary>The fused-MoE rows, with the work of the GPU the database times: every GPU's equal share under
    /// balanced routing; under a power law, the busiest GPU (AIConfigurator swaps it to rank 0), whose pairs the
    /// cost model's <see cref="RoutingSkew.BusiestPairs"/> gives for the same alpha.</summary>
    private static IEnumerable<MoeRow> MoeRows(ParquetTable moe) =>
        moe.Rows.Where(r => r["distribution"] is "balanced" or "power_law_1.01" or "power_law_1.2"
                && r["kernel_source"] is "moe_torch_flow_cutlass" or "moe_torch_flow" && Formats.ContainsKey(r["moe_dtype"]))
            .Select(r =>
            {
                double tokens = D(r, "num_tokens"), h = D(r, "hidden_size"), inter = D(r, "inter_size") / D(r, "moe_tp_size");
                double k = D(r, "topk"), experts = D(r, "num_experts"), ep = D(r, "moe_ep_size");
                double alpha = r["distribution"] == "balanced" ? 0 : double.Parse(r["distribution"]["power_law_".Length..], CultureInfo.InvariantCulture);
                double pairs = alpha == 0 ? tokens * k / ep
                    : RoutingSkew.BusiestPairs(tokens, k, experts, experts / ep, alpha, RoutingSkew.ExpectedMaxOfNormals((int)ep));
                double touched = Math.Min(experts / ep, Math.Max(pairs, 1));
                var f = Formats[r["moe_dtype"]];
                return new MoeRow(f.Key, r["distribution"], tokens, touched * 3 * h * inter * f.Bytes, pairs * 2 * 3 * h * inter, D(r, "latency") * 1e-3);
            });

    private static SortedDictionary<string, (double, int)> MoeFixed(IReadOnlyList<MoeRow> moe, double stream)
    {
        var result = new SortedDictionary<string, (double, int)>(StringComparer.Ordinal);
        foreach (var g in moe.Where(r => r.Tokens == 1 && r.Distribution == "balanced").GroupBy(r => r.Key))
        {
            var residuals = g.Select(r => r.Seconds - r.TouchedBytes / stream).ToList();
            result[g.Key] = (Median(residuals), residuals.Count);
        }
        return result;
    }

    /// <summary>The cost model's MoE law on the rows of one format and distribution: fixed + max(streaming, math),
    /// or, <paramref name="serial"/>, fixed + streaming + math (the trtllm profile's moe_serial_work).</summary>
    private static (double Median, double Ratio, int N) MoeLawError(IReadOnlyList<MoeRow> moe, string key, string distribution, double stream, double rate,
        double fixedSeconds, bool serial)
    {
        var rows = moe.Where(r => r.Key == key && r.Distribution == distribution && r.Tokens <= 16384).ToList();
        double Work(MoeRow r) => serial ? r.TouchedBytes / stream + r.Flops / rate : Math.Max(r.TouchedBytes / stream, r.Flops / rate);
        var ratios = rows.Select(r => (fixedSeconds + Work(r)) / r.Seconds).ToList();
        var errors = ratios.Select(x => Math.Abs(x - 1)).ToList();
        return (Median(errors), Median(ratios), rows.Count);
    }
}
