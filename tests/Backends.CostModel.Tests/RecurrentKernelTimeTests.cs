using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// The recurrent kernels' time from AIConfigurator's measured linear-attention tables (hardware.json, tools/KernelFit):
/// a fixed latency per kernel kind and phase, and the chunked scan's measured share of peak in prefill, against rows of
/// the tables; a device without tables keeps the law it had.
/// </summary>
public class RecurrentKernelTimeTests
{
    /// <summary>One gated DeltaNet scan at Qwen3.5-9B's shape (16 key heads, 32 value heads of 128 x 128), bf16, its state in
    /// bf16 as TensorRT-LLM's collector keeps it (collector/trtllm/collect_gdn.py).</summary>
    private const string Gdn = """
        model GdnKernel {
          dtype bf16
          input q: bf16[batch, seq, 16, 128]
          input k: bf16[batch, seq, 16, 128]
          input v: bf16[batch, seq, 32, 128]
          input a: bf16[batch, seq, 32]
          input beta: bf16[batch, seq, 32]
          weight a_log: [32]
          weight dt_bias: [32]
          output o = nn.gated_delta(q, k, v, a, beta, a_log, dt_bias, state_dtype: bf16)
        }
        """;

    private static readonly EfficiencyProfile Trtllm = EfficiencyProfile.Find("trtllm")!;

    /// <summary>The time of the model's one gated-delta entry at a batch of sequences of seq new tokens.</summary>
    private static OpTiming ScanTime(string device, CostPhase phase, double batch, double seq, EfficiencyProfile? profile = null) =>
        Models.KernelTime("gdn.moe", Gdn, "gdn", device, phase, batch, seq, seq, profile ?? Trtllm).Time;

    [Fact]
    public void Devices_carry_the_measured_recurrent_fixed_latencies_and_scan_fractions()
    {
        var h100 = Models.Catalog.Find("h100-sxm")!;
        Assert.Equal(18.5e-6, h100.FixedLatencyFor("gdn_prefill", MathType.Bf16)!.Value, 12);
        Assert.Equal(3.6e-6, h100.FixedLatencyFor("gdn_decode", MathType.Bf16)!.Value, 12);
        Assert.Equal(5.7e-6, h100.FixedLatencyFor("conv1d_prefill", MathType.Bf16)!.Value, 12);
        Assert.Equal(4.2e-6, h100.FixedLatencyFor("conv1d_decode", MathType.Bf16)!.Value, 12);
        Assert.Equal(11.1e-6, h100.FixedLatencyFor("gdn_prefill", MathType.Bf16, "vllm")!.Value, 12);
        Assert.Equal(22.0e-6, h100.FixedLatencyFor("gdn_prefill", MathType.Bf16, "sglang")!.Value, 12);
        Assert.Equal(0.093, h100.ScanFractionFor("gdn"));
        Assert.Equal(0.057, h100.ScanFractionFor("gdn", "sglang"));
        // vLLM's FlashInfer scan has no one share of peak (5-7x slower per token on one long sequence than on many); it
        // does not borrow TensorRT-LLM's.
        Assert.Null(h100.ScanFractionFor("gdn", "vllm"));
        // Mamba-2's chunked scan was measured on the B200 only (TensorRT-LLM 1.3.0rc15).
        Assert.Null(h100.ScanFractionFor("ssd"));
        var b200 = Models.Catalog.Find("b200")!;
        Assert.Equal(29.9e-6, b200.FixedLatencyFor("ssd_prefill", MathType.Bf16)!.Value, 12);
        Assert.Equal(0.037, b200.ScanFractionFor("ssd"));
        Assert.Equal(0.054, b200.ScanFractionFor("gdn"));
        // GB200, from its own tables by the same rule: FLA's scan 0.046 of peak, SGLang's 0.034; its Mamba-2 tables have
        // no chunked-scan rows, so no ssd constants.
        var gb200 = Models.Catalog.Find("gb200")!;
        Assert.Equal(25.1e-6, gb200.FixedLatencyFor("gdn_prefill", MathType.Bf16)!.Value, 12);
        Assert.Equal(5.6e-6, gb200.FixedLatencyFor("gdn_decode", MathType.Bf16)!.Value, 12);
        Assert.Equal(18.8e-6, gb200.FixedLatencyFor("gdn_prefill", MathType.Bf16, "vllm")!.Value, 12);
        Assert.Equal(0.046, gb200.ScanFractionFor("gdn"));
        Assert.Equal(0.034, gb200.ScanFractionFor("gdn", "sglang"));
        Assert.Null(gb200.ScanFractionFor("gdn", "vllm"));
        Assert.Null(gb200.ScanFractionFor("ssd"));
        Assert.Null(gb200.FixedLatencyFor("ssd_prefill", MathType.Bf16));
    }

    /// <summary>Against TensorRT-LLM 1.3.0rc20's H100 rows (linear_attention/trtllm/1.3.0rc20/gdn_perf.parquet, Qwen3.5-9B):
    /// chunk_gated_delta_rule over 4 sequences of 8,192 tokens took 2,023.5 us, one of 64 tokens 23.4 us;
    /// fused_recurrent_gated_delta_rule for one sequence 4.15 us, eight 9.82 us. The law (18.5 us + FLOPs at 0.093 of the
    /// BF16 peak in prefill; 3.6 us + the state's bytes in decode) is within 10% of each.</summary>
    [Theory]
    [InlineData(CostPhase.Prefill, 4, 8192, 2023.54)]
    [InlineData(CostPhase.Prefill, 1, 64, 23.3696)]
    [InlineData(CostPhase.Decode, 1, 1, 4.1504)]
    [InlineData(CostPhase.Decode, 8, 1, 9.8208)]
    public void A_gated_delta_scan_takes_the_time_the_kernel_table_measured(CostPhase phase, int batch, int seq, double measuredUs)
    {
        var t = ScanTime("h100-sxm", phase, batch, seq);
        Assert.InRange(t.Seconds * 1e6 / measuredUs, 0.9, 1.1);
        Assert.Equal(phase == CostPhase.Decode ? 3.6e-6 : 18.5e-6, t.LaunchSeconds, 12);
    }

    /// <summary>Under the old law the same 4 x 8,192-token scan took eta_attention (0.5) of the peak: 4.7x too fast.</summary>
    [Fact]
    public void The_measured_scan_fraction_replaces_eta_attention_in_prefill_only()
    {
        var measured = ScanTime("h100-sxm", CostPhase.Prefill, 4, 8192);
        var h100 = Models.Catalog.Find("h100-sxm")!;
        double flops = measured.Flops;
        Assert.Equal(flops / (989e12 * 0.093), measured.ComputeSeconds, 1e-9);
        var roofline = ScanTime("h100-sxm", CostPhase.Prefill, 4, 8192, EfficiencyProfile.Roofline);
        Assert.Equal(flops / 989e12, roofline.ComputeSeconds, 1e-9);
        Assert.Equal(989e12, StepEvaluator.PeakFor(h100, MathType.Bf16));
        // Decode is priced by its bytes at the measured bandwidth, whatever the scan fraction.
        var decode = ScanTime("h100-sxm", CostPhase.Decode, 64, 1);
        Assert.Equal(decode.Flops / (989e12 * Trtllm.EtaAttention), decode.ComputeSeconds, 1e-12);
    }

    /// <summary>A device without linear-attention tables (the A100: its only table lacks the chunked scan) keeps the law it had:
    /// eta_attention of the peak and the profile's kernel_us (TensorRT-LLM measured no decode attention there either).</summary>
    [Fact]
    public void A_device_without_tables_keeps_the_old_law()
    {
        var a100 = Models.Catalog.Find("a100-sxm-80gb")!;
        Assert.Null(a100.FixedLatencyFor("gdn_prefill", MathType.Bf16));
        Assert.Null(a100.ScanFractionFor("gdn"));
        var t = ScanTime("a100-sxm-80gb", CostPhase.Prefill, 4, 8192);
        Assert.Equal(t.Flops / (312e12 * Trtllm.EtaAttention), t.ComputeSeconds, 1e-9);
        Assert.Equal(Trtllm.KernelSeconds, t.LaunchSeconds, 12);
        // Under SGLang's profile its decode-attention fixed latency (17 us) serves the scan, as before the scans had kinds.
        var sglang = ScanTime("a100-sxm-80gb", CostPhase.Decode, 1, 1, EfficiencyProfile.Find("sglang"));
        Assert.Equal(17e-6, sglang.LaunchSeconds, 12);
    }
}
