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
/// step the logits GEMM. With --mla (a multi-head-latent-attention model, DeepSeek-V3's layout) the ops are
/// <see cref="MlaStep"/>'s, per GPU at --tp, with the all-reduces. --engine picks the tables (TensorRT-LLM's by default, or
/// SGLang's). Ops no table times (norms, RoPE, residual adds, embedding) are listed with the cost model's time
/// alone. Times in microseconds. docs/cost-model.md, "Kernel-level audit of a step", has the commands and a reading.
/// </summary>
public static class StepAudit
{
    private const string Usage = "usage: KernelFit step-audit AICONFIGURATOR_DATA_DIR DEVICE_DIR VERSION --hidden H --layers L --heads Q --kv-heads KV "
        + "--head-dim D --vocab V (--ffn F | --experts E --topk K --moe-inter I) [--gemm nvfp4|fp8|bfloat16] [--kv fp8|bfloat16] "
        + "(--decode B --context C | --prefill PxISL) [--predicted ops.csv] [--engine trtllm|sglang]\n"
        + "  or, for an MLA model (prefill only): --mla Q_RANK,KV_RANK,NOPE,ROPE,V --heads Q --tp T [--dense-layers N --dense-ffn F] "
        + "--experts E --topk K --moe-inter I [--shared-experts S] --hidden H --layers L --vocab V --engine sglang --gemm fp8_block --kv bfloat16 --prefill PxISL";

    /// <summary>One op of the step: its table time (and how it was read), executions per step, and the cost model's op it
    /// is compared with (a substring of the csv-ops name).</summary>
    public sealed record Op(string Name, string Shape, (double Us, string How)? Table, double PerStep, string? ModelKey);

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
        bool isMla = opt.ContainsKey("mla");
        string[] required = isMla ? new[] { "hidden", "layers", "heads", "vocab", "experts", "topk", "moe-inter", "prefill" }
            : new[] { "hidden", "layers", "heads", "kv-heads", "head-dim", "vocab" };
        if (required.Any(k => !opt.ContainsKey(k)) || opt.ContainsKey("decode") == opt.ContainsKey("prefill")
            || !opt.ContainsKey("ffn") && !opt.ContainsKey("experts")) { Console.Error.WriteLine(Usage); return 2; }

        string engine = Str("engine", "trtllm");
        if (engine is not ("trtllm" or "sglang")) { Console.Error.WriteLine(Usage); return 2; }
        string Table(string kind, string file) => Path.Combine(args[0], args[1], kind, engine, args[2], file);
        async Task<ParquetTable?> Read(string path) => File.Exists(path) ? await ParquetTable.ReadAsync(path) : null;
        var gemmTable = await Read(Table("gemm", "gemm_perf.parquet"));
        if (gemmTable is null) { Console.Error.WriteLine($"no GEMM table at {Table("gemm", "gemm_perf.parquet")}"); return 1; }
        var tables = new StepTables(gemmTable, engine == "sglang" ? "sglang" : "torch_flow", await Read(Table("moe", "moe_perf.parquet")),
            await Read(Table("attention", "context_attention_perf.parquet")), await Read(Table("attention", "generation_attention_perf.parquet")));
        string engineName = engine == "sglang" ? "SGLang" : "TensorRT-LLM";
        var predicted = opt.TryGetValue("predicted", out var file) ? PredictedOps(file, opt.ContainsKey("decode") ? "decode" : "prefill") : new List<(string Name, int Count, double Us)>();
        if (isMla) return await AuditMla(args, opt, tables, Table, Read, engineName, predicted);

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

        Print($"{args[1]} {engineName} {args[2]}, {(decode ? $"decode step: {batch} sequences at context {context}" : $"prefill chunk: {prompts} prompts of {isl} tokens")}, {layers} layers; microseconds per execution",
            ops, predicted);
        return 0;
    }

    /// <summary>The MLA model's prefill chunk (<see cref="MlaStep"/>), with SGLang's all-reduce tables (its custom
    /// all-reduce outside CUDA graphs, as prefill runs; NCCL's beside it).</summary>
    private static async Task<int> AuditMla(string[] args, Dictionary<string, string> opt, StepTables tables, Func<string, string, string> table,
        Func<string, Task<ParquetTable?>> read, string engineName, List<(string Name, int Count, double Us)> predicted)
    {
        int Int(string k, int dflt = -1) => opt.TryGetValue(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture)
            : dflt >= 0 ? dflt : throw new KeyNotFoundException($"--{k} is required");
        var mla = MlaStep.Shape.Parse(opt["mla"]);
        var parts = opt["prefill"].Split('x');
        int prompts = int.Parse(parts[0], CultureInfo.InvariantCulture), isl = int.Parse(parts[1], CultureInfo.InvariantCulture);
        int h = Int("hidden"), tp = Int("tp", 1), layers = Int("layers");
        string gemm = opt.TryGetValue("gemm", out var g) ? g : "fp8_block", kvDtype = opt.TryGetValue("kv", out var k) ? k : "bfloat16";
        var context = (await read(table("mla", "context_mla_perf.parquet")))?.Rows ?? Array.Empty<IReadOnlyDictionary<string, string>>();
        var comm = (await read(table("comm", "custom_allreduce_perf.parquet")))?.Rows ?? Array.Empty<IReadOnlyDictionary<string, string>>();
        double elements = (double)prompts * isl * h;
        var custom = MlaStep.AllReduce(comm, r => r["kernel_source"].EndsWith("_eager", StringComparison.Ordinal), tp, elements, "custom all-reduce, eager");
        (double Us, string How)? nccl = null;
        if (Sources.NcclVersions.TryGetValue(args[1], out var ncclVersion) && await read(Path.Combine(args[0], args[1], "comm", "nccl", ncclVersion, "nccl_perf.parquet")) is { } ncclTable)
            nccl = MlaStep.AllReduce(ncclTable.Rows, r => r["op_name"] == "all_reduce" && r["nccl_dtype"] == "half", tp, elements, $"NCCL {ncclVersion}");
        var ops = MlaStep.Ops(tables, mla, context, custom, nccl, h, layers, Int("dense-layers", 0), Int("dense-ffn", 0), Int("heads"), Int("vocab"), tp, gemm, kvDtype,
            Int("experts"), Int("topk"), Int("moe-inter"), Int("shared-experts", 0), "sglang_fused_moe_triton", prompts, isl);
        Print($"{args[1]} {engineName} {args[2]}, prefill chunk: {prompts} prompts of {isl} tokens, {layers} layers, tp {tp}; microseconds per execution (per GPU)",
            ops, predicted);
        return 0;
    }

    /// <summary>Prints the ops beside the cost model's and the step's sums. The model's sum is every op of its csv-ops at its own
    /// counts (an op it runs a different number of times than the table side, as the MLA model's all-reduces, shows in the count
    /// column); the tables' sum takes the model's time for the ops no table times.</summary>
    private static void Print(string title, List<Op> ops, List<(string Name, int Count, double Us)> predicted)
    {
        var used = new HashSet<string>();
        (double Us, int Count) Model(string? key)
        {
            if (key is null) return (double.NaN, 0);
            var hit = predicted.Where(p => p.Name.Contains(key, StringComparison.Ordinal)).ToList();
            foreach (var p in hit) used.Add(p.Name);
            return hit.Count == 0 ? (double.NaN, 0) : (hit.Sum(p => p.Us), hit.Max(p => p.Count));
        }

        Console.WriteLine(title);
        Console.WriteLine($"{"op",-44} {"x",4} {"table",9} {"model",9} {"model/table",11}  shape; how the table was read");
        double tableStep = 0, modelStep = 0, modelMatched = 0;
        foreach (var op in ops)
        {
            var (model, count) = Model(op.ModelKey);
            string t = op.Table is { } v ? v.Us.ToString("F1", CultureInfo.InvariantCulture) : "-";
            string ratio = op.Table is { } w && !double.IsNaN(model) ? (model / w.Us).ToString("F2", CultureInfo.InvariantCulture) : "";
            string x = count > 0 && count != op.PerStep ? $"{op.PerStep}/{count}" : op.PerStep.ToString(CultureInfo.InvariantCulture);
            Console.WriteLine($"{op.Name,-44} {x,4} {t,9} {(double.IsNaN(model) ? "" : model.ToString("F1", CultureInfo.InvariantCulture)),9} {ratio,11}  {op.Shape}; {op.Table?.How ?? "no row"}");
            if (op.PerStep > 0 && op.Table is { } tv) tableStep += tv.Us * op.PerStep;
            if (op.PerStep > 0 && !double.IsNaN(model)) modelMatched += model * (count > 0 ? count : op.PerStep);
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
