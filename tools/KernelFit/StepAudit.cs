using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace KernelFit;

/// <summary>
/// <c>KernelFit step-audit</c>: one step of a transformer (a decode step of B sequences at a context, or a prefill chunk of
/// P prompts), op by op, as an engine's kernel tables time it, beside the cost model's time for the same op where a
/// <c>graphdsl predict --format csv-ops</c> file of the same shape is given. Per layer: the QKV and output projections,
/// attention, then the router and fused MoE (with --experts) or the gate/up and down projections (with --ffn); once per
/// step the logits GEMM. Ops no table times (norms, RoPE, residual adds, embedding) are listed with the cost model's time
/// alone. Times in microseconds. docs/cost-model.md, "Kernel-level audit of a step", has the commands and a reading.
/// </summary>
public static class StepAudit
{
    private const string Usage = "usage: KernelFit step-audit AICONFIGURATOR_DATA_DIR DEVICE_DIR VERSION --hidden H --layers L --heads Q --kv-heads KV "
        + "--head-dim D --vocab V (--ffn F | --experts E --topk K --moe-inter I) [--gemm nvfp4|fp8|bfloat16] [--kv fp8|bfloat16] "
        + "(--decode B --context C | --prefill PxISL) [--predicted ops.csv]";

    private sealed record Op(string Name, string Shape, (double Us, string How)? Table, double PerStep, string? ModelKey);

    public static async Task<int> Run(string[] args)
    {
        try { return await Audit(args); }
        catch (Exception e) when (e is FormatException or OverflowException or KeyNotFoundException or IndexOutOfRangeException)
        {
            Console.Error.WriteLine($"step-audit: {e.Message}\n{Usage}");
            return 2;
        }
    }

    private static async Task<int> Audit(string[] args)
    {
        if (args.Length < 3 || !Directory.Exists(args[0])) { Console.Error.WriteLine(Usage); return 2; }
        var opt = new Dictionary<string, string>();
        for (int i = 3; i + 1 < args.Length; i += 2) opt[args[i].TrimStart('-')] = args[i + 1];
        int Int(string k) => int.Parse(opt[k], CultureInfo.InvariantCulture);
        string Str(string k, string dflt) => opt.TryGetValue(k, out var v) ? v : dflt;
        string[] required = { "hidden", "layers", "heads", "kv-heads", "head-dim", "vocab" };
        if (required.Any(k => !opt.ContainsKey(k)) || opt.ContainsKey("decode") == opt.ContainsKey("prefill")
            || !opt.ContainsKey("ffn") && !opt.ContainsKey("experts")) { Console.Error.WriteLine(Usage); return 2; }

        string Table(string kind, string file) => Path.Combine(args[0], args[1], kind, "trtllm", args[2], file);
        async Task<ParquetTable?> Read(string path) => File.Exists(path) ? await ParquetTable.ReadAsync(path) : null;
        var gemmTable = await Read(Table("gemm", "gemm_perf.parquet"));
        if (gemmTable is null) { Console.Error.WriteLine($"no GEMM table at {Table("gemm", "gemm_perf.parquet")}"); return 1; }
        var tables = new StepTables(gemmTable, "torch_flow", await Read(Table("moe", "moe_perf.parquet")),
            await Read(Table("attention", "context_attention_perf.parquet")), await Read(Table("attention", "generation_attention_perf.parquet")));

        int h = Int("hidden"), layers = Int("layers"), q = Int("heads"), kv = Int("kv-heads"), d = Int("head-dim"), vocab = Int("vocab");
        string gemm = Str("gemm", "nvfp4"), kvDtype = Str("kv", "fp8");
        bool decode = opt.ContainsKey("decode");
        int batch, tokens, context = 0, prompts = 0, isl = 0;
        if (decode) { batch = Int("decode"); context = Int("context"); tokens = batch; }
        else
        {
            var parts = opt["prefill"].Split('x');
            prompts = int.Parse(parts[0], CultureInfo.InvariantCulture); isl = int.Parse(parts[1], CultureInfo.InvariantCulture);
            batch = prompts; tokens = prompts * isl;
        }

        var ops = new List<Op>
        {
            new("qkv", $"{gemm} m {tokens} n {(q + 2 * kv) * d} k {h}", tables.Gemm(gemm, tokens, (q + 2 * kv) * d, h), layers, "(qkv)"),
        };
        if (decode)
        {
            var fit = tables.Generation(q, kv, d, kvDtype);
            ops.Add(new("attention", $"decode {batch} x ctx {context}, {q}/{kv} heads x {d}, kv {kvDtype}",
                fit is null ? null : (fit.At(batch, context), $"fit: {fit.T0:F1} us + {fit.PerSeq * 1e3:F1} ns/seq + {1 / fit.PerToken:F0} tokens/us, n {fit.N}, max err {fit.MaxError:P0}"),
                layers, "layers.attention"));
        }
        else
        {
            ops.Add(new("attention", $"context {prompts} x {isl}, {q}/{kv} heads x {d}, bf16 q / {kvDtype} kv",
                tables.Context(q, kv, d, "bfloat16", kvDtype, prompts, isl), layers, "layers.attention"));
            ops.Add(new("attention (fp8 fmha)", $"context {prompts} x {isl}, fp8 q / {kvDtype} kv",
                tables.Context(q, kv, d, "fp8", kvDtype, prompts, isl), 0, null));
        }
        ops.Add(new("o_proj", $"{gemm} m {tokens} n {h} k {q * d}", tables.Gemm(gemm, tokens, h, q * d), layers, ".wo ("));
        if (opt.ContainsKey("experts"))
        {
            int e = Int("experts"), k = Int("topk"), inter = Int("moe-inter");
            string moeDtype = Str("moe-dtype", gemm);
            ops.Add(new("router", $"bf16 m {tokens} n {e} k {h}", tables.Gemm("bfloat16", tokens, e, h), layers, null));
            ops.Add(new("moe (CUTLASS, balanced)", $"{moeDtype} {tokens} tokens, {e} experts top-{k}, {h} -> {inter}",
                tables.Moe("moe_torch_flow_cutlass", moeDtype, "balanced", h, inter, k, e, tokens), layers, "(moe)"));
            foreach (var (source, dist) in new[] { ("moe_torch_flow_cutlass", "power_law_1.01"), ("moe_torch_flow_min_latency", "balanced") })
                ops.Add(new($"moe ({(source.EndsWith("cutlass") ? "CUTLASS" : "TRT-LLM-gen")}, {dist})", "(alternative, not summed)",
                    tables.Moe(source, moeDtype, dist, h, inter, k, e, tokens), 0, null));
        }
        else
        {
            int f = Int("ffn");
            ops.Add(new("gate_up", $"{gemm} m {tokens} n {2 * f} k {h}", tables.Gemm(gemm, tokens, 2 * f, h), layers, "(gated_ffn)"));
            ops.Add(new("down", $"{gemm} m {tokens} n {h} k {f}", tables.Gemm(gemm, tokens, h, f), layers, "w_down"));
        }
        ops.Add(new("logits", $"bf16 m {batch} n {vocab} k {h}", tables.Gemm("bfloat16", batch, vocab, h), 1, "lm_head"));

        var predicted = opt.TryGetValue("predicted", out var file) ? PredictedOps(file, decode ? "decode" : "prefill") : new List<(string Name, int Count, double Us)>();
        var used = new HashSet<string>();
        double Model(string? key)
        {
            if (key is null) return double.NaN;
            var hit = predicted.Where(p => p.Name.Contains(key, StringComparison.Ordinal)).ToList();
            foreach (var p in hit) used.Add(p.Name);
            return hit.Count == 0 ? double.NaN : hit.Sum(p => p.Us);
        }

        Console.WriteLine($"{args[1]} TensorRT-LLM {args[2]}, {(decode ? $"decode step: {batch} sequences at context {context}" : $"prefill chunk: {prompts} prompts of {isl} tokens")}, {layers} layers; microseconds per execution");
        Console.WriteLine($"{"op",-44} {"x",4} {"table",9} {"model",9} {"model/table",11}  shape; how the table was read");
        double tableStep = 0, modelStep = 0, modelMatched = 0;
        foreach (var op in ops)
        {
            double model = Model(op.ModelKey);
            string t = op.Table is { } v ? v.Us.ToString("F1", CultureInfo.InvariantCulture) : "-";
            string ratio = op.Table is { } w && !double.IsNaN(model) ? (model / w.Us).ToString("F2", CultureInfo.InvariantCulture) : "";
            Console.WriteLine($"{op.Name,-44} {op.PerStep,4} {t,9} {(double.IsNaN(model) ? "" : model.ToString("F1", CultureInfo.InvariantCulture)),9} {ratio,11}  {op.Shape}; {op.Table?.How ?? "no row"}");
            if (op.PerStep > 0 && op.Table is { } x) tableStep += x.Us * op.PerStep;
            if (op.PerStep > 0 && !double.IsNaN(model)) modelMatched += model * op.PerStep;
        }
        foreach (var p in predicted.Where(p => !used.Contains(p.Name)))
        {
            Console.WriteLine($"{p.Name,-44} {p.Count,4} {"-",9} {p.Us,9:F1} {"",11}  no kernel table (cost model only)");
            tableStep += p.Us * p.Count; // priced as the cost model prices it, so the sums differ only where a table exists
        }
        modelStep = modelMatched + predicted.Where(p => !used.Contains(p.Name)).Sum(p => p.Us * p.Count);
        Console.WriteLine(predicted.Count == 0
            ? $"step (tabled ops only): {tableStep / 1e3:F3} ms"
            : $"step: tables {tableStep / 1e3:F3} ms, cost model {modelStep / 1e3:F3} ms (kernels; the model's per-step overhead not included), tables / model {tableStep / modelStep:F2}");
        return 0;
    }

    /// <summary>The cost model's ops of one phase from <c>graphdsl predict --format csv-ops</c>: name, executions per
    /// step, microseconds per execution.</summary>
    private static List<(string Name, int Count, double Us)> PredictedOps(string path, string phase)
    {
        var result = new List<(string, int, double)>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 6 || f[0] != phase) continue;
            int count = int.Parse(f[4], CultureInfo.InvariantCulture);
            result.Add((f[1], count, double.Parse(f[5], CultureInfo.InvariantCulture) * 1e3 / count));
        }
        return result;
    }
}
