using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// The few calibration constants of the cost model, named and documented (docs/cost-model.md), one set
/// per serving engine because engines differ in kernels and scheduling. <c>roofline</c> has no losses
/// (every efficiency 1, no overheads): predictions under it are the physical limits.
/// </summary>
public sealed record EfficiencyProfile
{
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    /// <summary>Fraction of dense peak FLOP/s a large GEMM reaches; with <see cref="ScaleByMeasured"/>, the
    /// fraction of the device's measured large-GEMM rate for the math type.</summary>
    public double EtaGemm { get; init; } = 1;
    /// <summary>Fraction of dense peak the grouped expert GEMMs reach.</summary>
    public double EtaGroupedGemm { get; init; } = 1;
    /// <summary>Fraction of dense peak prefill (flash) attention reaches.</summary>
    public double EtaAttention { get; init; } = 1;
    /// <summary>Fraction of HBM bandwidth streaming kernels reach; with <see cref="ScaleByMeasured"/>, the
    /// fraction of the device's measured weight-streaming bandwidth.</summary>
    public double EtaHbm { get; init; } = 1;
    /// <summary>Whether GEMM and HBM efficiencies multiply the device's measured fractions (hardware.json
    /// <c>measured</c>: large GEMMs reach a device- and format-specific share of peak, FP8 and FP4 a smaller
    /// one than BF16); where a device has no measurement the profile's constant is the whole efficiency.
    /// Off for roofline.</summary>
    public bool ScaleByMeasured { get; init; }
    /// <summary>Which measured all-reduce curves of the device time an all-reduce inside a node: "trtllm"
    /// (the faster of TensorRT-LLM's custom kernels and NCCL at each size, as its AUTO strategy picks),
    /// "nccl", or "" for the latency + bandwidth model. Where the device has no curve for the GPU count,
    /// the latency + bandwidth model applies.</summary>
    public string AllReduceCurve { get; init; } = "";
    /// <summary>Fraction of link bandwidth collectives reach.</summary>
    public double EtaLink { get; init; } = 1;
    /// <summary>Vector-unit operations to dequantize one weight element for 16-bit math (weight-only
    /// formats, and FP8/FP4 on GPUs without native math for them).</summary>
    public double DequantOps { get; init; }
    /// <summary>Fixed time per kernel (launch and inter-kernel gap), seconds.</summary>
    public double KernelSeconds { get; init; }
    /// <summary>Whether decode steps replay captured CUDA/HIP graphs (every engine's default, and what the constants were
    /// measured under). Off (vLLM <c>--enforce-eager</c>, SGLang <c>--disable-cuda-graph</c>), the host dispatches each kernel
    /// and a decode step takes max(GPU time, kernels x <see cref="EagerDispatchSeconds"/>) (<see cref="GraphDsl.Backends.CostModel.Evaluate.EagerDispatch"/>).
    /// Prefill is priced alike either way: the engines never graph it.</summary>
    public bool CudaGraphs { get; init; } = true;
    /// <summary>Host time to dispatch one kernel when CUDA graphs are off, seconds
    /// (<see cref="GraphDsl.Backends.CostModel.Evaluate.EagerDispatch.SecondsPerKernel"/>; 0 for roofline, which has no overheads).</summary>
    public double EagerDispatchSeconds { get; init; } = GraphDsl.Backends.CostModel.Evaluate.EagerDispatch.SecondsPerKernel;
    /// <summary>The engine's own host work per running request per step, seconds, by the host CPU that runs it (profiles.json
    /// <c>host_request_us</c>, keyed by hardware.json's <c>host_cpu</c>: "grace"); a host CPU without a sourced figure has none,
    /// and its steps are the GPU's alone (<see cref="GraphDsl.Backends.CostModel.Evaluate.HostStep"/>).</summary>
    public IReadOnlyDictionary<string, double> HostRequestSeconds { get; init; } = new Dictionary<string, double>();
    /// <summary>Whether the engine overlaps its host work with the GPU's (TensorRT-LLM's overlap scheduler): a step then takes
    /// the longer of the two, else their sum (profiles.json <c>host_overlap</c>).</summary>
    public bool HostOverlap { get; init; } = true;
    /// <summary>The engine's host seconds per running request on <paramref name="hostCpu"/> (0: no sourced figure, no term).</summary>
    public double HostSecondsPerRequest(string hostCpu) => HostRequestSeconds.TryGetValue(hostCpu, out var s) ? s : 0;
    /// <summary>The profile's name, with "CUDA graphs off" when they are (for headers and tables).</summary>
    public string Label => LabelFor(Name, CudaGraphs);
    /// <summary>A profile's name as headers and tables show it, with "CUDA graphs off" when they are.</summary>
    public static string LabelFor(string name, bool cudaGraphs) => cudaGraphs ? name : name + " (CUDA graphs off)";
    /// <summary>Whether GEMM and fused-MoE kernels take the device's measured fixed latency for their weight
    /// format (hardware.json <c>measured.fixed_us</c>, TensorRT-LLM's kernels) in place of <see cref="KernelSeconds"/>,
    /// where the device has one.</summary>
    public bool MeasuredFixedLatency { get; init; }
    /// <summary>Whose measured kernels the device tables give (hardware.json <c>measured.engines</c>: "vllm", "sglang"; "" for
    /// the device's default, TensorRT-LLM's), for fixed latencies where <see cref="MeasuredFixedLatency"/> is on.</summary>
    public string KernelEngine { get; init; } = "";
    /// <summary>Whether a fused MoE kernel's time is its weight streaming plus its math rather than the larger
    /// of the two (measured on TensorRT-LLM's kernels; off for roofline).</summary>
    public bool MoeSerialWork { get; init; }
    /// <summary>Power-law exponent of expert popularity assumed without routing statistics (0: uniform routing;
    /// see <see cref="GraphDsl.Backends.CostModel.Moe.RoutingSkew"/>).</summary>
    public double RoutingSkew { get; init; }
    /// <summary>Fixed latency of one collective within a node, seconds.</summary>
    public double CollectiveSeconds { get; init; }
    /// <summary>Fixed time per decode step (scheduling, sampling), seconds.</summary>
    public double StepSeconds { get; init; }
    /// <summary>Fixed time a prefill adds to the first token (request setup, scheduling, sampling), seconds.</summary>
    public double PrefillSeconds { get; init; }
    /// <summary>Share of HBM the engine may use for weights, KV cache and activations (vLLM's gpu_memory_utilization).</summary>
    public double MemoryUtilization { get; init; } = 0.9;
    /// <summary>Whether <see cref="MemoryUtilization"/> is a share of the memory left after weights and workspace
    /// (TensorRT-LLM's <c>kv_cache_free_gpu_mem_fraction</c>) rather than of all of HBM (vLLM's
    /// <c>gpu_memory_utilization</c>).</summary>
    public bool UtilizationOfFree { get; init; }
    /// <summary>Most tokens one step processes at prefill (chunking), which sizes the activation workspace.</summary>
    public double MaxBatchedTokens { get; init; } = 8192;
    /// <summary>Whose fused-MoE buffers the engine allocates for its largest step (profiles.json <c>moe_workspace</c>), and the
    /// most tokens one MoE call takes before the kernel chunks them (<c>moe_chunk_tokens</c>, vLLM's
    /// VLLM_FUSED_MOE_CHUNK_SIZE; 0: no chunking): they size the memory plan's MoE workspace (Memory/MoeWorkspace.cs).</summary>
    public MoeWorkspaceKernel MoeWorkspace { get; init; }
    public double MoeChunkTokens { get; init; }
    /// <summary>How the engine's data-parallel attention reaches the experts (the parallelize pass's <c>moe_comm</c>):
    /// "auto" (all-to-all when every expert is whole on one GPU), "all_to_all" or "all_gather".</summary>
    public string MoeComm { get; init; } = "auto";
    /// <summary>The kernels that carry an expert-parallel dispatch and combine in a decode step: "deepep_ll" (DeepEP's
    /// low-latency kernels, as SGLang runs decode with <c>--deepep-mode low_latency</c> or <c>auto</c>) takes the device's
    /// measured curves (hardware.json <c>measured.ep_dispatch</c> / <c>ep_combine</c>) where it has them; "" for the
    /// link model (<see cref="GraphDsl.Backends.CostModel.Evaluate.Collectives.Dispatch"/>).</summary>
    public string EpDecodeAllToAll { get; init; } = "";
    /// <summary>The kernels that carry an expert-parallel dispatch and combine in a prefill step: "deepep_normal" (DeepEP's
    /// normal kernels, as SGLang runs any step with an extend under <c>--deepep-mode normal</c> or <c>auto</c>) takes the
    /// device's measured curves (hardware.json <c>measured.ep_dispatch</c> / <c>ep_combine</c>) where it has them for the
    /// group; "" for the link model (<see cref="GraphDsl.Backends.CostModel.Evaluate.Collectives.Dispatch"/>).</summary>
    public string EpPrefillAllToAll { get; init; } = "";
    /// <summary>How the engine admits requests into its KV cache (profiles.json <c>admission</c>: "on_demand", the default,
    /// or "no_evict"), which sizes the largest batch it runs (<see cref="KvAdmissions.TokensPerSequence"/>).</summary>
    public KvAdmission Admission { get; init; } = KvAdmission.OnDemand;
    /// <summary>What the constants were fitted on, or where they come from.</summary>
    public string CalibratedOn { get; init; } = "";

    public static readonly EfficiencyProfile Roofline = new()
    {
        Name = "roofline",
        Description = "No losses: every efficiency 1, no overheads. Predictions are physical limits.",
        MemoryUtilization = 1.0,
        EagerDispatchSeconds = 0,
        CalibratedOn = "none (physical limits)",
    };

    /// <summary>The profiles shipped in Data/profiles.json, plus roofline.</summary>
    public static IReadOnlyList<EfficiencyProfile> BuiltIn { get; } = Load();

    /// <summary>The profile of a serving engine ("trtllm", "vllm", "sglang", ...) on a device: its ROCm profile on an AMD
    /// GPU (engines there run other kernels; SGLang on ROCm takes vLLM's, the only ROCm calibration), else the engine's own;
    /// the default profile for an engine without one.</summary>
    public static EfficiencyProfile ForEngine(string engine, GraphDsl.Backends.CostModel.Hardware.Device? device)
    {
        bool rocm = string.Equals(device?.Vendor, "amd", StringComparison.OrdinalIgnoreCase);
        if (rocm) return Find(engine + "-rocm") ?? Find("vllm-rocm")!;
        return (engine.Length > 0 ? Find(engine) : null) ?? Find("default")!;
    }

    public static EfficiencyProfile? Find(string name) => BuiltIn.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private static IReadOnlyList<EfficiencyProfile> Load()
    {
        using var stream = typeof(EfficiencyProfile).Assembly.GetManifestResourceStream("profiles.json")
            ?? throw new InvalidOperationException("built-in efficiency profiles missing");
        using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var list = new List<EfficiencyProfile> { Roofline };
        foreach (var p in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            double D(string k, double dflt) => p.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : dflt;
            string S(string k) => p.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            list.Add(new EfficiencyProfile
            {
                Name = S("name"),
                Description = S("description"),
                EtaGemm = D("eta_gemm", 1),
                EtaGroupedGemm = D("eta_grouped_gemm", D("eta_gemm", 1)),
                EtaAttention = D("eta_attention", 1),
                EtaHbm = D("eta_hbm", 1),
                EtaLink = D("eta_link", 1),
                KernelSeconds = D("kernel_us", 0) * 1e-6,
                DequantOps = D("dequant_ops", 0),
                CollectiveSeconds = D("collective_us", 0) * 1e-6,
                StepSeconds = D("step_us", 0) * 1e-6,
                PrefillSeconds = D("ttft_overhead_us", 0) * 1e-6,
                MemoryUtilization = D("memory_utilization", 0.9),
                MaxBatchedTokens = D("max_batched_tokens", 8192),
                AllReduceCurve = S("all_reduce_curve"),
                UtilizationOfFree = S("memory_utilization_of") == "free",
                ScaleByMeasured = p.TryGetProperty("scale_by_measured", out var sm) && sm.ValueKind == JsonValueKind.True,
                MeasuredFixedLatency = p.TryGetProperty("measured_fixed_latency", out var mf) && mf.ValueKind == JsonValueKind.True,
                MoeSerialWork = p.TryGetProperty("moe_serial_work", out var ms) && ms.ValueKind == JsonValueKind.True,
                RoutingSkew = D("routing_skew", 0),
                MoeWorkspace = S("moe_workspace") is { Length: > 0 } mw
                    ? MoeWorkspaceKernels.Parse(mw) ?? throw new InvalidOperationException($"profiles.json: profile '{S("name")}' has moe_workspace '{mw}'; expected {MoeWorkspaceKernels.NoneName}, {MoeWorkspaceKernels.TritonName} or {MoeWorkspaceKernels.CutlassName}")
                    : MoeWorkspaceKernel.None,
                MoeChunkTokens = D("moe_chunk_tokens", 0),
                MoeComm = S("moe_comm") is { Length: > 0 } mc ? mc : "auto",
                KernelEngine = S("kernel_engine"),
                EpDecodeAllToAll = S("ep_decode_all_to_all"),
                EpPrefillAllToAll = S("ep_prefill_all_to_all"),
                Admission = S("admission") is { Length: > 0 } a
                    ? KvAdmissions.Parse(a) ?? throw new InvalidOperationException($"profiles.json: profile '{S("name")}' has admission '{a}'; expected {KvAdmissions.OnDemandName} or {KvAdmissions.NoEvictName}")
                    : KvAdmission.OnDemand,
                CalibratedOn = S("calibrated_on"),
                HostRequestSeconds = PerHostCpu(p, "host_request_us"),
                HostOverlap = !(p.TryGetProperty("host_overlap", out var ho) && ho.ValueKind == JsonValueKind.False),
            });
        }
        return list;
    }

    /// <summary>A profile's per-host-CPU figure in microseconds (an object of host CPU names), in seconds.</summary>
    private static IReadOnlyDictionary<string, double> PerHostCpu(JsonElement profile, string key)
    {
        var map = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (!profile.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Object) return map;
        foreach (var cpu in v.EnumerateObject())
        {
            if (!GraphDsl.Backends.CostModel.Hardware.Device.HostCpus.Contains(cpu.Name, StringComparer.OrdinalIgnoreCase))
                throw new InvalidOperationException($"profiles.json: {key}.{cpu.Name} is no host CPU family (known: {string.Join(", ", GraphDsl.Backends.CostModel.Hardware.Device.HostCpus)})");
            if (cpu.Value.ValueKind == JsonValueKind.Number && cpu.Value.GetDouble() > 0) map[cpu.Name] = cpu.Value.GetDouble() * 1e-6;
        }
        return map;
    }
}
