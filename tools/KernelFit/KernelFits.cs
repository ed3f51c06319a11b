using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Moe;

namespace KernelFit;

/// <summary>A least-squares line latency = t0 + slope x size, with its rms residual over n rows.</summary>
public sealed record Fit(string Key, double T0, double Slope, double Rms, int N)
{
    /// <summary>A fixed latency is kept only where the line explains the rows better than the intercept's own size.</summary>
    public bool Kept => T0 > 0 && Rms <= T0;
}

/// <summary>The fits KernelFit derives from one engine's tables of one device (seconds and bytes throughout).</summary>
public static class KernelFits
{
    public static double D(IReadOnlyDictionary<string, string> r, string k) => double.Parse(r[k], CultureInfo.InvariantCulture);

    public static double Median(List<double> xs) { xs.Sort(); return xs.Count == 0 ? double.NaN : xs[xs.Count / 2]; }

    private static Fit Line(string key, IReadOnlyList<(double X, double Y)> pts)
    {
        double mx = pts.Average(p => p.X), my = pts.Average(p => p.Y);
        double sxx = pts.Sum(p => (p.X - mx) * (p.X - mx));
        double slope = sxx == 0 ? 0 : pts.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        double t0 = my - slope * mx;
        double rms = Math.Sqrt(pts.Average(p => Math.Pow(p.Y - t0 - slope * p.X, 2)));
        return new Fit(key, t0, slope, rms, pts.Count);
    }

    /// <summary>Median weight-streaming bandwidth of 16-bit GEMMs at one row with at least 256 MiB of weights.</summary>
    public static double StreamingBandwidth(ParquetTable gemm, Engine e) => Median(gemm.Rows
        .Where(r => e.GemmSources.Contains(r["kernel_source"]) && r["gemm_dtype"] == "bfloat16" && D(r, "m") == 1 && D(r, "n") * D(r, "k") * 2 >= 256.0 * (1 << 20))
        .Select(r => D(r, "n") * D(r, "k") * 2 / (D(r, "latency") * 1e-3)).ToList());

    /// <summary>The share of the dense peak an 8192^3 GEMM reaches per math format.</summary>
    public static Dictionary<string, double> GemmFractions(ParquetTable gemm, Engine e, Part part)
    {
        var result = new Dictionary<string, double>();
        foreach (var r in gemm.Rows.Where(r => e.GemmSources.Contains(r["kernel_source"]) && D(r, "m") == 8192 && D(r, "n") == 8192 && D(r, "k") == 8192))
            if (Sources.Formats.TryGetValue(r["gemm_dtype"], out var f) && part.PeakTflops.TryGetValue(f.Key, out var peak))
                result[f.Key] = 2.0 * 8192 * 8192 * 8192 / (D(r, "latency") * 1e-3) / (peak * 1e12);
        return result;
    }

    /// <summary>GEMM fixed latency: the intercept of latency against weight bytes at one row (8 MB - 2 GB of weights).</summary>
    public static IEnumerable<Fit> GemmFixed(ParquetTable gemm, Engine e)
    {
        foreach (var group in gemm.Rows.Where(r => e.GemmSources.Contains(r["kernel_source"]) && D(r, "m") == 1 && Sources.Formats.ContainsKey(r["gemm_dtype"]))
                     .GroupBy(r => r["gemm_dtype"]))
        {
            var pts = group.Select(r => (X: D(r, "n") * D(r, "k") * Sources.Formats[group.Key].Bytes, Y: D(r, "latency") * 1e-3))
                .Where(p => p.X >= 8e6 && p.X <= 2e9).ToList();
            if (pts.Count >= 5) yield return Line(Sources.Formats[group.Key].Key, pts);
        }
    }

    /// <summary>Decode attention (one new token per sequence, GQA/MHA) fixed latency: the intercept of latency
    /// against the KV bytes read, over one- to four-sequence rows with bf16 caches of at most 64 MB.</summary>
    public static Fit? AttentionFixed(ParquetTable attention)
    {
        var pts = attention.Rows.Where(r => D(r, "batch_size") <= 4 && r["kv_cache_dtype"] == "bfloat16" && r["attn_dtype"] == "bfloat16"
                && (!r.ContainsKey("window_size") || D(r, "window_size") == 0) && D(r, "beam_width") == 1)
            .Select(r => (X: D(r, "batch_size") * (D(r, "isl") + D(r, "step")) * D(r, "num_key_value_heads") * D(r, "head_dim") * 2 * 2, Y: D(r, "latency") * 1e-3))
            .Where(p => p.X <= 64e6).ToList();
        return pts.Count >= 5 ? Line("bf16", pts) : null;
    }

    /// <summary>Decode MLA attention kernel fixed latency (the bare kernel, over the 512 + 64 latent cache): the
    /// intercept of latency against the latent bytes read, over one- to four-sequence bf16 rows.</summary>
    public static Fit? MlaFixed(ParquetTable mla)
    {
        var pts = mla.Rows.Where(r => D(r, "batch_size") <= 4 && r["kv_cache_dtype"] == "bfloat16" && r["mla_dtype"] == "bfloat16")
            .Select(r => (X: D(r, "batch_size") * (D(r, "isl") + D(r, "step")) * 576 * 2, Y: D(r, "latency") * 1e-3))
            .Where(p => p.X <= 64e6).ToList();
        return pts.Count >= 5 ? Line("bf16", pts) : null;
    }

    /// <summary>An engine's custom all-reduce under CUDA graphs (bf16): time against message bytes per GPU count,
    /// at the sizes of the catalog's other curves (the database stores elements; bytes = elements x 2).</summary>
    public static SortedDictionary<int, List<(double Bytes, double Us)>> AllReduceCurves(ParquetTable comm)
    {
        var sizes = new[] { 1024.0, 8192, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 536870912 };
        var result = new SortedDictionary<int, List<(double, double)>>();
        var rows = comm.Rows.Where(r => r["allreduce_dtype"] == "bfloat16" && !r["kernel_source"].Contains("eager", StringComparison.OrdinalIgnoreCase));
        foreach (var g in rows.GroupBy(r => (int)D(r, "num_gpus")))
        {
            var byBytes = g.GroupBy(r => D(r, "message_size") * 2).ToDictionary(x => x.Key, x => x.Min(r => D(r, "latency") * 1e3));
            var pts = sizes.Where(byBytes.ContainsKey).Select(s => (s, Math.Round(byBytes[s], 1))).ToList();
            if (pts.Count >= 3) result[g.Key] = pts;
        }
        return result;
    }

    /// <summary>NCCL's all-gather, reduce-scatter and all-to-all (nccl-tests under AIConfigurator's collector) inside a
    /// node: time against the nccl-tests size in bytes (the gathered output, the reduced input, each rank's whole buffer),
    /// per collective and GPU count, at the catalog's curve sizes. A larger message never takes less time, so each point
    /// is the least time measured at its size or any larger one (the small sizes are noisy: 10-20 us in no order).</summary>
    public static SortedDictionary<string, SortedDictionary<int, List<(double Bytes, double Us)>>> NcclCurves(ParquetTable nccl)
    {
        var sizes = new[] { 1024.0, 8192, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 536870912 };
        var names = new Dictionary<string, string> { ["all_gather"] = "all_gather", ["reduce_scatter"] = "reduce_scatter", ["alltoall"] = "all_to_all" };
        var result = new SortedDictionary<string, SortedDictionary<int, List<(double, double)>>>(StringComparer.Ordinal);
        foreach (var op in nccl.Rows.Where(r => names.ContainsKey(r["op_name"])).GroupBy(r => names[r["op_name"]]))
        {
            var byGpus = new SortedDictionary<int, List<(double, double)>>();
            foreach (var g in op.GroupBy(r => (int)D(r, "num_gpus")))
            {
                double Bytes(IReadOnlyDictionary<string, string> r) => D(r, "message_size") * (r["nccl_dtype"] switch { "half" or "bfloat16" => 2, "float" => 4, _ => 1 });
                var measured = g.GroupBy(Bytes).ToDictionary(x => x.Key, x => x.Min(r => D(r, "latency") * 1e3));
                var pts = sizes.Where(measured.ContainsKey)
                    .Select(s => (s, Math.Round(measured.Where(m => m.Key >= s).Min(m => m.Value), 1))).ToList();
                if (pts.Count >= 3) byGpus[g.Key] = pts;
            }
            if (byGpus.Count > 0) result[op.Key] = byGpus;
        }
        return result;
    }

    /// <summary>One fused-MoE row: <see cref="TouchedBytes"/> and <see cref="Flops"/> as the fixed-latency fits count them;
    /// <see cref="Pairs"/> (the timed GPU's token-expert copies), <see cref="Hidden"/> (the model's hidden size), <see cref="Inter"/>
    /// (one expert's intermediate size on this GPU, inter / moe_tp), <see cref="Ep"/> (moe_ep_size), <see cref="Experts"/> (the
    /// experts the table's routing activates on the timed GPU) and <see cref="LawBytes"/> (their weights plus the activations, as
    /// the cost model counts them) for the per-row and per-expert fit (<see cref="MoeRowFit"/>).</summary>
    public sealed record MoeRow(string Key, string Distribution, double Tokens, double TouchedBytes, double Flops, double Seconds,
        double Pairs = 0, double Hidden = 0, double Inter = 0, double LawBytes = 0, double Ep = 1, double Experts = 0);

    /// <summary>The fused-MoE rows, with the work of the GPU the database times: every GPU's equal share under
    /// balanced routing; under a power law, the busiest GPU (AIConfigurator swaps it to rank 0), whose pairs the
    /// cost model's <see cref="RoutingSkew.BusiestPairs"/> gives for the same alpha.</summary>
    public static IEnumerable<MoeRow> MoeRows(ParquetTable moe, Engine e) =>
        moe.Rows.Where(r => r["distribution"] is "balanced" or "power_law_1.01" or "power_law_1.2"
                && e.MoeSources.Contains(r["kernel_source"]) && Sources.Formats.ContainsKey(r["moe_dtype"]))
            .Select(r =>
            {
                double tokens = D(r, "num_tokens"), h = D(r, "hidden_size"), inter = D(r, "inter_size") / D(r, "moe_tp_size");
                double k = D(r, "topk"), experts = D(r, "num_experts"), ep = D(r, "moe_ep_size");
                double alpha = r["distribution"] == "balanced" ? 0 : double.Parse(r["distribution"]["power_law_".Length..], CultureInfo.InvariantCulture);
                double pairs = alpha == 0 ? tokens * k / ep
                    : RoutingSkew.BusiestPairs(tokens, k, experts, experts / ep, alpha, RoutingSkew.ExpectedMaxOfNormals((int)ep));
                // The experts the timed GPU runs. AIConfigurator's balanced routing (collector/helper.py, balanced_logits) is not
                // random: token t takes experts o_t + j x ceil(E / k), j < k, with offsets o_t spread over the stride, so a GPU's
                // copies land on distinct experts until every local one is busy (and rank 0 always holds token 0's first expert).
                // Random routing would touch only L (1 - (1 - k/E)^T), up to 1 / (1 - 1/e) = 1.58x fewer at one copy per expert:
                // the law is compared with the kernel at the weights it streamed. The power-law rows are counted alike.
                double touched = Math.Min(experts / ep, Math.Max(pairs, 1));
                var f = Sources.Formats[r["moe_dtype"]];
                // The cost model's bytes (Evaluate/StepEvaluator.MoeWork, Ir/Ops/MoeOps): the touched experts' weights; 16-bit
                // activations read, permuted into k copies, through both GEMMs, combined.
                double activations = tokens * 2 * 2 * h + pairs * 2 * (2 * h + 3 * inter);
                double expertBytes = 3 * h * inter * f.Bytes;
                return new MoeRow(f.Key, r["distribution"], tokens, touched * expertBytes, pairs * 2 * 3 * h * inter, D(r, "latency") * 1e-3,
                    pairs, h, inter, touched * expertBytes + activations, ep, touched);
            });

    /// <summary>Fused-MoE fixed latency per format: the median over one-token balanced rows (power-law rows where a
    /// table has no balanced ones: one token picks its k experts either way) of latency less the touched experts'
    /// weight bytes at the weight-streaming bandwidth.</summary>
    public static SortedDictionary<string, (double Median, int N)> MoeFixed(IReadOnlyList<MoeRow> moe, double stream)
    {
        var result = new SortedDictionary<string, (double, int)>(StringComparer.Ordinal);
        string distribution = moe.Any(r => r.Tokens == 1 && r.Distribution == "balanced") ? "balanced" : "power_law_1.01";
        foreach (var g in moe.Where(r => r.Tokens == 1 && r.Distribution == distribution).GroupBy(r => r.Key))
        {
            var residuals = g.Select(r => r.Seconds - r.TouchedBytes / stream).OrderBy(x => x).ToList();
            result[g.Key] = (Median(residuals), residuals.Count);
        }
        return result;
    }

    /// <summary>Whether one-token residuals are a consistent offset across shapes: their interquartile range is below
    /// their median (a table whose one-token rows vary more than that times something else than a fixed cost).</summary>
    public static bool MoeFixedConsistent(IReadOnlyList<MoeRow> moe, string key, double stream)
    {
        string distribution = moe.Any(r => r.Tokens == 1 && r.Distribution == "balanced") ? "balanced" : "power_law_1.01";
        var xs = moe.Where(r => r.Key == key && r.Tokens == 1 && r.Distribution == distribution).Select(r => r.Seconds - r.TouchedBytes / stream).OrderBy(x => x).ToList();
        if (xs.Count < 4) return false;
        double q1 = xs[xs.Count / 4], q3 = xs[3 * xs.Count / 4], median = xs[xs.Count / 2];
        return median > 0 && q3 - q1 <= median;
    }

    /// <summary>The cost model's MoE law on the rows of one format and distribution: fixed + max(streaming, math),
    /// or, <paramref name="serial"/>, fixed + streaming + math (the profiles' moe_serial_work).</summary>
    public static (double Median, double Ratio, int N) MoeLawError(IReadOnlyList<MoeRow> moe, string key, string distribution, double stream, double rate,
        double fixedSeconds, bool serial)
    {
        var rows = moe.Where(r => r.Key == key && r.Distribution == distribution && r.Tokens <= 16384).ToList();
        double Work(MoeRow r) => serial ? r.TouchedBytes / stream + r.Flops / rate : Math.Max(r.TouchedBytes / stream, r.Flops / rate);
        var ratios = rows.Select(r => (fixedSeconds + Work(r)) / r.Seconds).ToList();
        var errors = ratios.Select(x => Math.Abs(x - 1)).ToList();
        return (Median(errors), Median(ratios), rows.Count);
    }
}

/// <summary>
/// DeepEP's dispatch and combine as SGLang runs them under <c>--moe-a2a-backend deepep --deepep-mode auto</c>, from
/// AIConfigurator's SGLang tables, per expert-parallel group (8 GPUs per node x the table's node_num). Only DeepSeek-V3's
/// shape (hidden 7168, top-8 of 256 experts) is read: the one measured at every node count.
/// <list type="bullet">
/// <item>Low-latency kernels (decode, <c>wideep_deepep_ll_perf</c>, <see cref="Read"/>): time against the bytes of the
/// token-expert copies one rank sends, counted as 16-bit rows (tokens x top-k x hidden x 2): they send a token once per
/// chosen expert.</item>
/// <item>Normal kernels (prefill and any step with an extend, <c>wideep_deepep_normal_perf</c>, <see cref="ReadNormal"/>):
/// time (transmit + notify, as AIConfigurator sums them) against the 16-bit bytes of the token-GPU copies one rank sends
/// (tokens x the GPUs its tokens reach x hidden x 2, <see cref="Collectives.NormalCopies"/>): they send a token once to each
/// GPU holding one of its experts. On 20 SMs, DeepEP's default (<c>Buffer.num_sms</c>), which SGLang keeps unless
/// <c>--deepep-config</c> names another (<c>normal_dispatch_config or Buffer.get_dispatch_config(group.size())</c>).</item>
/// </list>
/// Another model's hidden size, top-k and expert count read the same curves through these measures.
/// </summary>
public static class DeepEpCurves
{
    public const double Hidden = 7168, TopK = 8, Experts = 256;

    /// <summary>DeepEP's default SM count for its normal kernels (<c>deep_ep.Buffer.num_sms</c>).</summary>
    public const double DefaultSms = 20;

    public static SortedDictionary<string, SortedDictionary<int, List<(double Bytes, double Us)>>> Read(ParquetTable ll, int gpusPerNode = 8) =>
        Curves(ll.Rows.Where(r => r["op_name"] == "ll"), gpusPerNode, _ => TopK,
            r => KernelFits.D(r, "dispatch_avg_t_us"), r => KernelFits.D(r, "combine_avg_t_us"), leastAtOrAbove: false);

    /// <summary>The normal kernels' curves. A larger message never takes less time, so, as for NCCL's curves, each point is
    /// the least time measured at its size or a larger one (below about 64 tokens per rank the times are flat and noisy).</summary>
    public static SortedDictionary<string, SortedDictionary<int, List<(double Bytes, double Us)>>> ReadNormal(ParquetTable normal, int gpusPerNode = 8) =>
        Curves(normal.Rows.Where(r => r["op_name"] == "normal" && KernelFits.D(r, "dispatch_sms") == DefaultSms && KernelFits.D(r, "combine_sms") == DefaultSms),
            gpusPerNode, gpus => Collectives.NormalCopies(gpus, Experts, Experts / gpus, TopK),
            r => KernelFits.D(r, "dispatch_transmit_us") + KernelFits.D(r, "dispatch_notify_us"),
            r => KernelFits.D(r, "combine_transmit_us") + KernelFits.D(r, "combine_notify_us"), leastAtOrAbove: true);

    /// <summary>Per kind and group, time against tokens x copies per token (of the group) x hidden x 2, each token count's
    /// least time over its repeated rows.</summary>
    private static SortedDictionary<string, SortedDictionary<int, List<(double Bytes, double Us)>>> Curves(
        IEnumerable<IReadOnlyDictionary<string, string>> rows, int gpusPerNode, Func<int, double> copiesPerToken,
        Func<IReadOnlyDictionary<string, string>, double> dispatchUs, Func<IReadOnlyDictionary<string, string>, double> combineUs, bool leastAtOrAbove)
    {
        var result = new SortedDictionary<string, SortedDictionary<int, List<(double, double)>>>(StringComparer.Ordinal)
        {
            ["ep_dispatch"] = new(), ["ep_combine"] = new(),
        };
        var shape = rows.Where(r => KernelFits.D(r, "hidden_size") == Hidden && KernelFits.D(r, "num_topk") == TopK && KernelFits.D(r, "num_experts") == Experts);
        foreach (var g in shape.GroupBy(r => (int)KernelFits.D(r, "node_num") * gpusPerNode))
        {
            var byTokens = g.GroupBy(r => KernelFits.D(r, "num_token")).OrderBy(x => x.Key).ToList();
            double bytesPerToken = copiesPerToken(g.Key) * Hidden * 2;
            foreach (var (kind, us) in new[] { ("ep_dispatch", dispatchUs), ("ep_combine", combineUs) })
            {
                var measured = byTokens.Select(t => (Bytes: Math.Round(t.Key * bytesPerToken), Us: t.Min(us))).ToList();
                var pts = measured.Select((p, i) => (p.Bytes, Math.Round(leastAtOrAbove ? measured.Skip(i).Min(q => q.Us) : p.Us, 1))).ToList();
                if (pts.Count >= 3) result[kind][g.Key] = pts;
            }
        }
        return result;
    }
}
