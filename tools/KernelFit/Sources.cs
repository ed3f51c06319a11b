using System.Collections.Generic;

namespace KernelFit;

/// <summary>A device of AIConfigurator's kernel database, with the datasheet figures the fits divide by.</summary>
public sealed record Part(string Dir, string Id, double HbmGbps, Dictionary<string, double> PeakTflops);

/// <summary>
/// One engine's kernels in the database: the version read (per device; the earliest version with its own
/// tables, the nearest to the engines of the published measurements), and the kernel sources that are that
/// engine's own GEMM and fused-MoE kernels.
/// </summary>
public sealed record Engine(string Name, Dictionary<string, string> Versions, string[] GemmSources, string[] MoeSources);

public static class Sources
{
    public static readonly Part[] Parts =
    {
        new("a100_sxm", "a100-sxm-80gb", 2039, new() { ["bf16"] = 312 }),
        new("h100_sxm", "h100-sxm", 3350, new() { ["bf16"] = 989, ["fp8"] = 1979 }),
        new("h200_sxm", "h200-sxm", 4800, new() { ["bf16"] = 989, ["fp8"] = 1979 }),
        new("b200_sxm", "b200", 7700, new() { ["bf16"] = 2250, ["fp8"] = 4500, ["fp4"] = 9000 }),
        new("gb200", "gb200", 8000, new() { ["bf16"] = 2500, ["fp8"] = 5000, ["fp4"] = 10000 }),
    };

    public static readonly Engine[] Engines =
    {
        new("trtllm", new() { ["a100_sxm"] = "1.0.0", ["h100_sxm"] = "1.3.0rc20", ["h200_sxm"] = "1.3.0rc20", ["b200_sxm"] = "1.3.0rc20", ["gb200"] = "1.3.0rc20" },
            new[] { "torch_flow" }, new[] { "moe_torch_flow_cutlass", "moe_torch_flow" }),
        new("vllm", new() { ["a100_sxm"] = "0.14.0", ["h100_sxm"] = "0.14.0", ["h200_sxm"] = "0.14.0", ["b200_sxm"] = "0.19.0", ["gb200"] = "0.14.0" },
            new[] { "vllm_default" }, new[] { "vllm_fused_moe" }),
        // SGLang 0.5.9, the earliest with complete tables: 0.5.6.post2's MoE table has no balanced rows and its H100
        // one-token rows take 200-4,600 us, and its all-reduce table times TensorRT-LLM's kernel.
        new("sglang", new() { ["a100_sxm"] = "0.5.9", ["h100_sxm"] = "0.5.9", ["h200_sxm"] = "0.5.9", ["b200_sxm"] = "0.5.9", ["gb200"] = "0.5.9" },
            new[] { "sglang" }, new[] { "sglang_fused_moe_triton" }),
    };

    /// <summary>The NCCL version read per device: the version of the device's NCCL all-reduce curve in hardware.json,
    /// so that one NCCL describes every collective of a device.</summary>
    public static readonly Dictionary<string, string> NcclVersions = new()
    {
        ["a100_sxm"] = "2.27.3", ["h100_sxm"] = "2.29.2", ["h200_sxm"] = "2.29.2", ["b200_sxm"] = "2.29.2", ["gb200"] = "2.29.2",
    };

    /// <summary>The SGLang table version whose DeepEP low-latency and normal measurements are read per device: the one measured over
    /// 1, 2, 4 and 8 nodes where there is one (0.5.6.post2's, whose rows name SGLang 0.5.0), else the newest (one node).</summary>
    public static readonly Dictionary<string, string> DeepEpVersions = new()
    {
        ["h100_sxm"] = "0.5.6.post2", ["h200_sxm"] = "0.5.6.post2", ["b200_sxm"] = "0.5.12", ["gb200"] = "0.5.12",
    };

    /// <summary>AIConfigurator's dtype names -> hardware.json format keys, and bytes per weight element (scales included).</summary>
    public static readonly Dictionary<string, (string Key, double Bytes)> Formats = new()
    {
        ["bfloat16"] = ("bf16", 2), ["fp8"] = ("fp8", 1), ["fp8_block"] = ("fp8_block", 1 + 1.0 / 128),
        ["nvfp4"] = ("fp4", 0.5 + 1.0 / 16), ["int8_wo"] = ("int8", 1), ["int4_wo"] = ("int4", 0.5),
    };
}

/// <summary>
/// The linear-attention tables read per engine and device (gdn_perf and mamba2_perf): the earliest version whose
/// gated DeltaNet table has all four kernels (the convolution and the scan, prefill and decode), vLLM 0.24.0 and
/// SGLang 0.5.14 (their earlier tables lack the chunked scan), TensorRT-LLM 1.3.0rc20, the version of its other
/// tables. Mamba-2's chunked scan (mamba_chunk_scan_combined) is only in TensorRT-LLM 1.3.0rc15's B200 table. GB200 has the
/// same tables at the same versions. The A100's only table (SGLang 0.5.10) lacks the chunked scan and was collected before the collector's current shapes; not read.
/// </summary>
public static class LinearAttentionSources
{
    public sealed record Table(string Engine, string Version, string File);

    public static IEnumerable<Table> For(string device)
    {
        if (device is "h100_sxm" or "h200_sxm" or "b200_sxm" or "gb200")
        {
            yield return new("trtllm", "1.3.0rc20", "gdn_perf.parquet");
            yield return new("trtllm", device == "b200_sxm" ? "1.3.0rc15" : "1.3.0rc20", "mamba2_perf.parquet");
            yield return new("vllm", "0.24.0", "gdn_perf.parquet");
            yield return new("sglang", "0.5.14", "gdn_perf.parquet");
        }
    }
}
