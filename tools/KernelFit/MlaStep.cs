using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// The ops of one prefill chunk of a multi-head-latent-attention model (DeepSeek-V3's layout: first dense layers, then MoE
/// layers with shared experts) under tensor parallelism, as SGLang runs them, for <see cref="StepAudit"/>: the replicated
/// down-projection (q_a and kv_a fused, n = q_rank + kv_rank + rope), q_b and kv_b (column-parallel, heads / tp), the
/// context MLA kernel (AIConfigurator's <c>mla/.../context_mla_perf</c>, heads / tp), o_proj (row-parallel), per layer two
/// all-reduces of tokens x hidden (after attention and after the MLP: SGLang's DeepseekV2MoE adds the shared experts'
/// output to the routed experts' before its one all-reduce, the shared MLP built with reduce_results=False), the dense
/// layers' gate/up and down, the MoE layers' router, fused MoE (experts split tp ways) and shared expert, and the logits.
/// Times in microseconds; each op's model key names the cost model's op of the same group in <c>predict --format csv-ops</c>.
/// </summary>
public static class MlaStep
{
    /// <summary>The MLA shape, <c>--mla Q_RANK,KV_RANK,NOPE,ROPE,V</c>.</summary>
    public sealed record Shape(int QRank, int KvRank, int Nope, int Rope, int V)
    {
        public static Shape Parse(string text)
        {
            var f = text.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            if (f.Length != 5) throw new FormatException("--mla takes Q_RANK,KV_RANK,NOPE,ROPE,V");
            return new Shape(f[0], f[1], f[2], f[3], f[4]);
        }
    }

    /// <summary>The context MLA kernel of <paramref name="batch"/> prompts of <paramref name="isl"/> tokens at
    /// <paramref name="localHeads"/> heads per GPU (the table's num_heads is per GPU): linear in the prompt length between
    /// the table's rows.</summary>
    public static (double Us, string How)? Context(IReadOnlyList<IReadOnlyDictionary<string, string>> table, int localHeads, string kvDtype, int batch, int isl)
    {
        var pts = table.Where(r => r["mla_dtype"] == "bfloat16" && r["kv_cache_dtype"] == kvDtype && D(r, "num_heads") == localHeads
                                   && D(r, "batch_size") == batch && D(r, "step") == 0)
            .GroupBy(r => D(r, "isl")).Select(g => (X: g.Key, Y: g.Min(r => D(r, "latency")) * 1e3)).OrderBy(p => p.X).ToList();
        if (pts.Count < 2) return null;
        return (StepTables.Lerp(pts.Select(p => p.X).ToList(), pts.Select(p => p.Y).ToList(), isl), pts.Any(p => p.X == isl) ? "row" : "lerp isl");
    }

    /// <summary>One all-reduce of <paramref name="elements"/> 16-bit values over <paramref name="gpus"/> GPUs from a table of
    /// (message_size in elements, latency) rows, filtered by <paramref name="select"/>: linear between the rows that bracket it.</summary>
    public static (double Us, string How)? AllReduce(IReadOnlyList<IReadOnlyDictionary<string, string>> table, Func<IReadOnlyDictionary<string, string>, bool> select,
        int gpus, double elements, string label)
    {
        var pts = table.Where(r => select(r) && D(r, "num_gpus") == gpus)
            .Select(r => (X: D(r, "message_size"), Y: D(r, "latency") * 1e3)).OrderBy(p => p.X).ToList();
        if (pts.Count < 2) return null;
        return (StepTables.Lerp(pts.Select(p => p.X).ToList(), pts.Select(p => p.Y).ToList(), elements), $"{label}, lerp in elements");
    }

    /// <summary>The ops of one prefill chunk (<paramref name="tokens"/> tokens of <paramref name="prompts"/> prompts of
    /// <paramref name="isl"/>), per GPU at tensor parallelism <paramref name="tp"/>.</summary>
    public static List<StepAudit.Op> Ops(StepTables tables, Shape mla, IReadOnlyList<IReadOnlyDictionary<string, string>> mlaContext,
        (double Us, string How)? allReduce, (double Us, string How)? allReduceNccl,
        int h, int layers, int denseLayers, int denseFfn, int heads, int vocab, int tp, string gemm, string kvDtype,
        int experts, int topk, int inter, int shared, string moeSource, int prompts, int isl)
    {
        int tokens = prompts * isl, local = heads / tp, moeLayers = layers - denseLayers;
        var ops = new List<StepAudit.Op>();
        foreach (var (group, count) in new[] { ("dense_layers", denseLayers), ("moe_layers", moeLayers) })
        {
            if (count == 0) continue;
            int qa = mla.QRank + mla.KvRank + mla.Rope, qb = local * (mla.Nope + mla.Rope), kvb = local * (mla.Nope + mla.V);
            ops.Add(new($"{group}: q_a + kv_a (replicated)", $"{gemm} m {tokens} n {qa} k {h}", tables.Gemm(gemm, tokens, qa, h), count, $"{group}.self_attn (qkv)"));
            ops.Add(new($"{group}: q_b", $"{gemm} m {tokens} n {qb} k {mla.QRank}", tables.Gemm(gemm, tokens, qb, mla.QRank), count, $"{group}.self_attn.wq_b"));
            var kv = tables.Gemm(gemm, tokens, kvb, mla.KvRank);
            var attn = Context(mlaContext, local, kvDtype, prompts, isl);
            ops.Add(new($"{group}: kv_b + context MLA", $"{gemm} m {tokens} n {kvb} k {mla.KvRank}; MLA {prompts} x {isl}, {local} heads, kv {kvDtype}",
                kv is { } g && attn is { } a ? (g.Us + a.Us, $"{g.How}; {a.How} ({g.Us:F1} + {a.Us:F1})") : null, count, $"{group}.self_attn.wkv_b"));
            ops.Add(new($"{group}: o_proj", $"{gemm} m {tokens} n {h} k {local * mla.V}", tables.Gemm(gemm, tokens, h, local * mla.V), count, $"{group}.self_attn.wo"));
            if (group == "dense_layers")
            {
                int f = denseFfn / tp;
                ops.Add(new($"{group}: gate_up", $"{gemm} m {tokens} n {2 * f} k {h}", tables.Gemm(gemm, tokens, 2 * f, h), count, $"{group}.mlp (gated_ffn)"));
                ops.Add(new($"{group}: down", $"{gemm} m {tokens} n {h} k {f}", tables.Gemm(gemm, tokens, h, f), count, $"{group}.mlp.w_down"));
            }
            else
            {
                int s = shared * inter / tp;
                ops.Add(new($"{group}: router", $"bf16 m {tokens} n {experts} k {h}", tables.Gemm("bfloat16", tokens, experts, h), count, null));
                ops.Add(new($"{group}: fused MoE (balanced)", $"{moeSource} {gemm} {tokens} tokens, {experts} experts top-{topk}, {h} -> {inter}, moe_tp {tp}",
                    tables.Moe(moeSource, gemm, "balanced", h, inter, topk, experts, tokens, tp), count, $"{group}.mlp (moe)"));
                ops.Add(new($"{group}: (fused MoE, power-law 1.01)", "(alternative, not summed)",
                    tables.Moe(moeSource, gemm, "power_law_1.01", h, inter, topk, experts, tokens, tp), 0, null));
                ops.Add(new($"{group}: shared gate_up", $"{gemm} m {tokens} n {2 * s} k {h}", tables.Gemm(gemm, tokens, 2 * s, h), count, $"{group}.mlp.shared (gated_ffn)"));
                ops.Add(new($"{group}: shared down", $"{gemm} m {tokens} n {h} k {s}", tables.Gemm(gemm, tokens, h, s), count, $"{group}.mlp.shared.w_down"));
            }
            if (tp > 1)
            {
                ops.Add(new($"{group}: all-reduce (2 per layer)", $"{tokens} x {h} bf16 over {tp} GPUs", allReduce, 2 * count, $"{group}.comm.all_reduce"));
                ops.Add(new($"{group}: (all-reduce, NCCL)", "(alternative, not summed)", allReduceNccl, 0, null));
            }
        }
        ops.Add(new("logits", $"bf16 m {prompts} n {vocab / tp} k {h}", tables.Gemm("bfloat16", prompts, vocab / tp, h), 1, "lm_head"));
        return ops;
    }
}
