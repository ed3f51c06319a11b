using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace KernelFit;

/// <summary>Prints <see cref="GemmKFit"/> on each format of one engine's GEMM table of one device and returns the kept forms.</summary>
public static class GemmKReport
{
    /// <summary>The TensorRT-LLM version whose quantize tables time the activation quantization for every engine (the version
    /// of its GEMM tables).</summary>
    public const string QuantizeVersion = "1.3.0rc20";

    internal static async Task<List<(string Key, GemmKFit.Form Form)>> Run(string root, Part part, ParquetTable gemm, Engine engine,
        Program.DeviceRates rates, JsonObject fixedUs)
    {
        var kept = new List<(string, GemmKFit.Form)>();
        if (rates.Fractions is null) return kept;
        var quantize = new Dictionary<string, double>();
        string dir = Path.Combine(root, part.Dir, "quantize", "trtllm", QuantizeVersion);
        if (File.Exists(Path.Combine(dir, "scale_matrix_perf.parquet")))
        {
            var compute = Path.Combine(dir, "computescale_perf.parquet");
            quantize = GemmKFit.QuantizeSeconds(await ParquetTable.ReadAsync(Path.Combine(dir, "scale_matrix_perf.parquet")),
                File.Exists(compute) ? await ParquetTable.ReadAsync(compute) : null);
            Console.WriteLine($"  quantize (TensorRT-LLM {QuantizeVersion} FP8 static quantize table): {quantize["bandwidth"] / 1e9:F0} GB/s effective;"
                + $" ps per element: fp4 {quantize["fp4"] * 1e12:F2}, fp8_block {quantize["fp8_block"] * 1e12:F2}, fp8 (dynamic) {quantize["fp8"] * 1e12:F2}");
        }
        foreach (var (dtype, (key, bytes)) in Sources.Formats)
        {
            var rows = GemmKFit.Rows(gemm, engine, dtype);
            string math = key == "fp8_block" ? "fp8" : key;
            if (rows.Count < 20 || !rates.Fractions.TryGetValue(math, out var frac) || !part.PeakTflops.TryGetValue(math, out var peak)) continue;
            double rate = peak * 1e12 * frac * 0.8434; // the profiles' eta_gemm
            double fixedNow = fixedUs["gemm"]?[key] is { } own ? (double)own * 1e-6 : rates.GemmFixed.TryGetValue(key, out var t) ? t : 2e-6;
            if (engine.Name == "trtllm" && fixedUs["gemm"]?[key] is { } mine) rates.GemmFixed[key] = (double)mine * 1e-6;
            var fit = GemmKFit.Fit(rows, bytes, rates.Stream, rate, fixedNow, quantize.TryGetValue(key, out var q) ? q : 0);
            Console.WriteLine($"  gemm {key,-9} small-M forms, median |ln error| (measured/predicted, n) all rows, m <= {GemmKFit.SmallM}:");
            foreach (var s in fit.Tried.Prepend(fit.Before))
                Console.WriteLine($"       {s.Form.Name,-29} fixed {s.Form.Fixed * 1e6,5:F1} us  {s.Form.PerK * 1e12,6:F0} ps/K  {s.All}  {s.Small}");
            // FP8 is fitted as the table times it (dynamic scale) and served with a checkpoint's static input scale.
            if (fit.Kept is { } k) kept.Add((key, k.Form.Quantize > 0 && key == "fp8" ? k.Form with { Quantize = quantize["fp8_static"] } : k.Form));
            Console.WriteLine("       " + (fit.Kept is { } w ? $"kept: {w.Form.Name}" : "none kept: no form lowers both medians"));
        }
        return kept;
    }
}
