using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// One row of AIConfigurator's linear-attention tables (<c>gdn_perf</c>, <c>mamba2_perf</c>) as the cost model sees the
/// kernel: its kind (<c>gdn</c>, <c>ssd</c>, <c>conv1d</c>), phase (prefill or decode), and the FLOPs and bytes the op's
/// cost function gives for the shapes the collector ran (src/Ir/Ops/RecurrentOps.cs), with the measured seconds.
/// </summary>
public sealed record ScanRow(string Kind, string Phase, string Source, double Batch, double Tokens, double Flops, double Bytes, double Seconds)
{
    /// <summary>The law's key: a kernel kind in one phase, as hardware.json's <c>fixed_us</c> names it (<c>gdn_prefill</c>).</summary>
    public string Key => $"{Kind}_{Phase}";
}

/// <summary>
/// The recurrent kernels' fits: the cost model's law for nn.gated_delta, nn.ssd and nn.causal_conv1d,
/// <c>max(FLOPs / rate, bytes / bandwidth) + fixed</c>, against every row of the engine's linear-attention tables.
/// <list type="bullet">
/// <item>rows: the collectors (collector/*/collect_gdn.py, collect_mamba2.py) run bf16 inputs. TensorRT-LLM's gated
/// DeltaNet keeps a bf16 state (its prefill reads none; FLA's per-chunk states are bf16 too) and convolves the key
/// channels only (heads x key size, with bias); vLLM's and SGLang's keep the f32 state Qwen3.5 serves with and convolve
/// q, k and v together (2 key + value channels, no bias). Mamba-2's state is f32, its convolution over x, B and C
/// (d_inner + 2 groups x state, with bias). The op costs are those of RecurrentOps with these shapes (chunk 64 for gated
/// DeltaNet, the row's for Mamba-2);</item>
/// <item>scan fraction (prefill gdn and ssd): the share of the device's dense BF16 peak the chunked scan reaches,
/// the median over the rows of at least 8,192 tokens (the engines' prefill pass) of FLOPs / (latency - fixed) / peak,
/// as gemm_fraction is the share a 8192^3 GEMM reaches;</item>
/// <item>fixed latency per kind and phase: the median, over the smallest rows (one sequence of at most 16 tokens in
/// prefill, one to four sequences in decode), of the latency less the law's work at the scan fraction.</item>
/// </list>
/// </summary>
public static class RecurrentFits
{
    public const double Chunk = 64; // FLA's chunk_gated_delta_rule
    public const double PassTokens = 8192;

    /// <summary>The rows of a gdn_perf or mamba2_perf table, priced by the cost model's op formulas.</summary>
    public static IEnumerable<ScanRow> Rows(ParquetTable table, string engine) =>
        table.Rows.Select(r => Row(r, engine == "trtllm")).Where(r => r is not null).Select(r => r!);

    private static ScanRow? Row(IReadOnlyDictionary<string, string> r, bool trtllm)
    {
        string phase = r["phase"] switch { "context" => "prefill", "generation" => "decode", _ => "" };
        if (phase == "") return null;
        string source = r["kernel_source"];
        double b = D(r, "batch_size"), t = D(r, "num_tokens"), seconds = D(r, "latency") * 1e-3;
        bool mamba = r.ContainsKey("d_state");
        const double bf16 = 2;
        if (source.StartsWith("causal_conv1d", StringComparison.Ordinal))
        {
            double channels = mamba ? D(r, "nheads") * D(r, "head_dim") + 2 * D(r, "n_groups") * D(r, "d_state")
                : (trtllm ? 1 : 2) * D(r, "num_k_heads") * D(r, "head_k_dim") + (trtllm ? 0 : D(r, "num_v_heads") * D(r, "head_v_dim"));
            double width = D(r, "d_conv"), bias = mamba || trtllm ? 1 : 0;
            // RecurrentOps.CausalConv1d: 2 FLOPs per tap; weights and bias, input and output once; the state read and written.
            double bytes = channels * (width + bias) * bf16 + 2 * t * channels * bf16 + b * 2 * channels * (width - 1) * bf16;
            return new ScanRow("conv1d", phase, source, b, t, t * channels * 2 * width, bytes, seconds);
        }
        if (mamba)
        {
            double h = D(r, "nheads"), p = D(r, "head_dim"), g = D(r, "n_groups"), n = D(r, "d_state"), chunk = D(r, "chunk_size");
            bool chunked = phase == "prefill";
            double flops = chunked ? RecurrentOps.SsdChunkFlops((long)h, (long)g, p: (long)p, n: (long)n, chunk: (long)chunk) : h * RecurrentOps.SsdDecodeFlops((long)p, (long)n);
            double state = h * p * n * 4;
            // x, dt, B, C read and y written (bf16); a_log, dt_bias, d per head.
            double bytes = 3 * h * 4 + t * (2 * h * p + h + 2 * g * n) * bf16 + (chunked ? t * 2 * state / chunk : 0) + b * 2 * state;
            return new ScanRow("ssd", phase, source, b, t, t * flops, bytes, seconds);
        }
        {
            double hk = D(r, "num_k_heads"), dk = D(r, "head_k_dim"), hv = D(r, "num_v_heads"), dv = D(r, "head_v_dim");
            bool chunked = phase == "prefill";
            double perHead = chunked ? RecurrentOps.GatedDeltaChunkFlops((long)dk, (long)dv, (long)Chunk) : RecurrentOps.GatedDeltaDecodeFlops((long)dk, (long)dv);
            double state = hv * dk * dv * (trtllm ? bf16 : 4);
            // q, k, v, a, beta read and o written (bf16); a_log, dt_bias per head.
            double bytes = 2 * hv * bf16 + t * (2 * hk * dk + 2 * hv * dv + 2 * hv) * bf16 + (chunked ? t * 2 * state / Chunk : 0) + b * 2 * state;
            return new ScanRow("gdn", phase, source, b, t, t * hv * perHead, bytes, seconds);
        }
    }

    /// <summary>The rates the step evaluator prices an op of this kind with under the profile (efficiency applied):
    /// the scans are attention-class ops (BF16 peak x eta_attention), the convolution elementwise (vector peak x eta_gemm);
    /// bytes at the device's measured streaming bandwidth.</summary>
    public static (double Rate, double Bandwidth) Rates(Device d, EfficiencyProfile eff, string kind) =>
        (kind == "conv1d" ? StepEvaluator.PeakFor(d, MathType.F32) * eff.EtaGemm : StepEvaluator.PeakFor(d, MathType.Bf16) * eff.EtaAttention,
         d.HbmBytesPerSecond * eff.EtaHbm * (eff.ScaleByMeasured && d.HbmFraction > 0 ? d.HbmFraction : 1));

    /// <summary>The law's work (no fixed part): FLOPs at the rate, bytes at the bandwidth, the larger.</summary>
    public static double Work(ScanRow r, double rate, double bandwidth) => Math.Max(r.Flops / rate, r.Bytes / bandwidth);

    /// <summary>The smallest rows of a kind and phase, where the law's work is a few microseconds at most.</summary>
    public static bool Smallest(ScanRow r) => r.Phase == "prefill" ? r.Batch == 1 && r.Tokens <= 16 : r.Batch <= 4;

    /// <summary>The share of the BF16 peak a chunked scan reaches on the prefill passes (rows of at least 8,192 tokens),
    /// given its fixed latency: the median of FLOPs / (latency - fixed) / peak, with the quartiles; null for kinds
    /// without a chunked scan.</summary>
    public static (double Median, double Q1, double Q3, int N)? ScanFraction(IReadOnlyList<ScanRow> rows, double peak, double fixedSeconds)
    {
        var xs = rows.Where(r => r.Phase == "prefill" && r.Kind != "conv1d" && r.Tokens >= PassTokens && r.Seconds > fixedSeconds)
            .Select(r => r.Flops / (r.Seconds - fixedSeconds) / peak).OrderBy(x => x).ToList();
        return xs.Count >= 3 ? (xs[xs.Count / 2], xs[xs.Count / 4], xs[3 * xs.Count / 4], xs.Count) : null;
    }

    /// <summary>A scan fraction is kept where the passes agree on it: their interquartile range is below half the median
    /// (vLLM's FlashInfer kernel is 5-7x slower on one long sequence than per token of many, and no one share describes both).</summary>
    public static bool Consistent((double Median, double Q1, double Q3, int N) f) => f.Q3 - f.Q1 <= f.Median / 2;

    /// <summary>The fixed latency of one kind and phase: the median over its smallest rows of latency less the law's work.</summary>
    public static (double Median, int N) Fixed(IReadOnlyList<ScanRow> rows, double rate, double bandwidth)
    {
        var xs = rows.Where(Smallest).Select(r => r.Seconds - Work(r, rate, bandwidth)).ToList();
        return (Median(xs), xs.Count);
    }

    /// <summary>Median |ln(predicted / measured)| and median predicted / measured of a law over rows.</summary>
    public static (double MedianAbsLog, double Ratio, int N) Error(IEnumerable<ScanRow> rows, Func<ScanRow, double> predict)
    {
        var ratios = rows.Select(r => predict(r) / r.Seconds).ToList();
        return (Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(ratios), ratios.Count);
    }
}
