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

namespace KernelFit;

/// <summary>
/// Prints, per device and engine, the recurrent kernels' law against AIConfigurator's linear-attention rows, before
/// (the op costs at the profile's rates, the old fixed part: the decode-attention latency where the engine measured
/// one, else kernel_us) and after (the fitted fixed latency per kind and phase, the chunked scans at their measured
/// share of peak), and returns the fragments: per engine, <c>fixed_us</c> by kind and phase and <c>scan_fraction</c>.
/// </summary>
public static class RecurrentReport
{
    public static async Task<JsonObject> Run(string root, Part part)
    {
        var result = new JsonObject();
        var device = HardwareCatalog.BuiltIn().Find(part.Id);
        if (device is null) return result;
        foreach (var engine in LinearAttentionSources.For(part.Dir).GroupBy(t => t.Engine))
        {
            var rows = new List<ScanRow>();
            var read = new List<string>();
            foreach (var table in engine)
            {
                var path = Path.Combine(root, part.Dir, "linear_attention", table.Engine, table.Version, table.File);
                if (!File.Exists(path)) continue;
                rows.AddRange(RecurrentFits.Rows(await ParquetTable.ReadAsync(path), table.Engine));
                read.Add($"{table.Version}/{table.File}");
            }
            if (rows.Count == 0) continue;
            var eff = EfficiencyProfile.Find(engine.Key) ?? EfficiencyProfile.Find("default")!;
            Console.WriteLine($"== {part.Id} linear attention ({engine.Key}: {string.Join(", ", read)}; {rows.Count} rows; profile {eff.Name})");
            double peak = StepEvaluator.PeakFor(device, MathType.Bf16);
            var fixedUs = new JsonObject();
            var fractions = new JsonObject();
            foreach (var group in rows.GroupBy(r => r.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var kindRows = group.ToList();
                var (rate, bandwidth) = RecurrentFits.Rates(device, eff, kindRows[0].Kind);
                double oldFixed = kindRows[0].Kind == "conv1d" ? eff.KernelSeconds
                    : device.FixedLatencyFor("attention", MathType.Bf16, eff.KernelEngine) ?? eff.KernelSeconds;
                var before = RecurrentFits.Error(kindRows, r => oldFixed + RecurrentFits.Work(r, rate, bandwidth));
                // The fixed part first at the old rate (the smallest rows do almost no work), the scan's share of peak
                // given it, then the fixed part again at that share.
                var (fixed0, _) = RecurrentFits.Fixed(kindRows, rate, bandwidth);
                double newRate = rate;
                string scan = "";
                if (RecurrentFits.ScanFraction(kindRows, peak, fixed0) is { } f)
                {
                    bool kept = RecurrentFits.Consistent(f);
                    scan = $", scan {f.Median:F3} of peak (quartiles {f.Q1:F3}-{f.Q3:F3} over {f.N} passes of >= 8192 tokens; {(kept ? "kept" : "dropped: spread above half the median")})";
                    if (kept)
                    {
                        newRate = Math.Round(f.Median, 3) * peak;
                        fractions[kindRows[0].Kind] = Math.Round(f.Median, 3);
                    }
                    // Without one the profile keeps eta_attention: a scan fraction is the engine's own kernel's (vLLM's
                    // is FlashInfer's), never borrowed from another engine.
                }
                var (fixedS, n) = RecurrentFits.Fixed(kindRows, newRate, bandwidth);
                fixedS = Math.Round(fixedS * 1e6, 1) * 1e-6; // as hardware.json keeps it
                var after = RecurrentFits.Error(kindRows, r => fixedS + RecurrentFits.Work(r, newRate, bandwidth));
                Console.WriteLine($"  {group.Key,-15} {string.Join("/", kindRows.Select(r => r.Source).Distinct()),-48} n {kindRows.Count,5}: fixed {fixedS * 1e6,6:F1} us (median over {n} smallest rows)"
                    + scan
                    + $"; median |ln(pred/meas)| {before.MedianAbsLog:F3} -> {after.MedianAbsLog:F3} (median pred/meas {before.Ratio:F2} -> {after.Ratio:F2})");
                foreach (var (label, where) in Buckets(kindRows[0].Phase))
                {
                    var sub = kindRows.Where(where).ToList();
                    if (sub.Count == 0) continue;
                    var b = RecurrentFits.Error(sub, r => oldFixed + RecurrentFits.Work(r, rate, bandwidth));
                    var a = RecurrentFits.Error(sub, r => fixedS + RecurrentFits.Work(r, newRate, bandwidth));
                    Console.WriteLine($"      {label,-34} n {sub.Count,5}: {b.MedianAbsLog:F3} -> {a.MedianAbsLog:F3} (pred/meas {b.Ratio:F2} -> {a.Ratio:F2})");
                }
                if (fixedS > 0) fixedUs[group.Key] = new JsonObject { ["bf16"] = Math.Round(fixedS * 1e6, 1) };
            }
            var fragment = new JsonObject { ["tables"] = string.Join(", ", read), ["fixed_us"] = fixedUs };
            if (fractions.Count > 0) fragment["scan_fraction"] = fractions;
            result[engine.Key] = fragment;
        }
        return result;
    }

    /// <summary>Where the law errs: short work against fixed latency, many short sequences, long passes.</summary>
    private static IEnumerable<(string, Func<ScanRow, bool>)> Buckets(string phase) => phase == "prefill"
        ? new (string, Func<ScanRow, bool>)[]
        {
            ("one sequence, <= 512 tokens", r => r.Batch == 1 && r.Tokens <= 512),
            ("one sequence, >= 8192 tokens", r => r.Batch == 1 && r.Tokens >= 8192),
            ("several sequences, <= 512 tokens", r => r.Batch > 1 && r.Tokens <= 512),
            ("several sequences, >= 8192 tokens", r => r.Batch > 1 && r.Tokens >= 8192),
        }
        : new (string, Func<ScanRow, bool>)[]
        {
            ("batch <= 8", r => r.Batch <= 8),
            ("batch 16-128", r => r.Batch is > 8 and <= 128),
            ("batch >= 256", r => r.Batch > 128),
        };
}
