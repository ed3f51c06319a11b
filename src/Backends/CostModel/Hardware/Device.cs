using System.Collections.Generic;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>A link: bandwidth in bytes/s one direction, and a latency in seconds (0 when unpublished).</summary>
public sealed record Link(string Name, double BytesPerSecond, double LatencySeconds, bool AllToAll = true, double PeerBytesPerSecond = 0);

/// <summary>
/// One accelerator as the cost model sees it: HBM capacity and bandwidth, dense peak FLOP/s per
/// element type (null where the hardware has no native math for it), and its links: inside a node,
/// to host memory, and to the network. Values come from Data/hardware.json, each with its sources.
/// </summary>
public sealed record Device(
    string Id,
    string Name,
    string Vendor,
    double MemoryBytes,
    double HbmBytesPerSecond,
    IReadOnlyDictionary<MathType, double> PeakFlops,
    int SmCount,
    Link IntraNode,
    Link HostLink,
    Link Network,
    int GpusPerNode,
    IReadOnlyList<string> Sources)
{
    /// <summary>GPUs one host drives (one OS image, one launch command, one Kubernetes node): hardware.json <c>gpus_per_host</c>,
    /// where it is fewer than <see cref="GpusPerNode"/>. A node is the NVLink (or xGMI) domain the collectives stay inside; on
    /// an HGX board the two are the same 8 GPUs, but a GB200 NVL72 rack is one 72-GPU NVLink domain of 18 hosts of 4
    /// (its compute trays). The cost model prices links by node; engine exports start one process group per host. Where
    /// nothing set it (a device built in code), a host is the node: the rule a file without the field reads as, declared
    /// here once for everything that asks (the cluster's hosts, <c>graphdsl hardware</c>).</summary>
    public int GpusPerHost { get => _gpusPerHost > 0 ? _gpusPerHost : GpusPerNode; init => _gpusPerHost = value; }
    private readonly int _gpusPerHost;

    /// <summary>The CPU of the host that drives the device (hardware.json <c>host_cpu</c>: "grace" on GB200 and GH200, whose
    /// Arm host runs an engine's Python host work slower than the x86 hosts of HGX boards); "" where not stated. Engine
    /// profiles key their host work per request by it (<see cref="GraphDsl.Backends.CostModel.Evaluate.HostStep"/>).</summary>
    public string HostCpu { get; init; } = "";

    /// <summary>The host CPU families a device may name and an engine profile may key its host work by: "grace" (NVIDIA's
    /// Arm CPU of GB200 and GH200) and "x86" (the Xeon or EPYC hosts of HGX boards). Declared once so that a misspelt family
    /// is an error at load, not a host term silently dropped.</summary>
    public static readonly string[] HostCpus = ["grace", "x86"];

    /// <summary>Dense peak FLOP/s for a math type, or null where the device has no native math for it.</summary>
    public double? Peak(MathType type) => PeakFlops.TryGetValue(type, out var v) && v > 0 ? v : null;

    /// <summary>The math the device computes <paramref name="type"/> in: the type itself where the device has it, else
    /// the first along its emulation chain that it has (FP4 -> FP8 -> BF16), or the chain's end.</summary>
    public MathType ComputesIn(MathType type)
    {
        var t = type;
        while (t.EmulatedIn is { } wider && Peak(t) is null) t = wider;
        return t;
    }

    /// <summary>Measured fraction of the dense peak a large GEMM reaches, per math type (hardware.json
    /// <c>measured.gemm_fraction</c>: TensorRT-LLM Linear at 8192^3); empty where nothing was measured.</summary>
    public IReadOnlyDictionary<MathType, double> GemmFraction { get; init; } = new Dictionary<MathType, double>();

    /// <summary>Measured fraction of the HBM bandwidth a weight-streaming kernel reaches (hardware.json
    /// <c>measured.hbm_fraction</c>); 0 where nothing was measured.</summary>
    public double HbmFraction { get; init; }

    /// <summary>The collectives hardware.json may carry measured curves for (<c>measured.all_reduce</c>, ...).</summary>
    public static readonly string[] MeasuredCollectives = { "all_reduce", "all_gather", "reduce_scatter", "all_to_all", "ep_dispatch", "ep_combine" };

    /// <summary>Measured collective time against message size inside one node, per collective (<see cref="MeasuredCollectives"/>),
    /// implementation ("nccl", "trtllm", an engine's) and GPU count; the message is nccl-tests' size (the all-reduce's
    /// buffer, the all-gather's gathered output, the reduce-scatter's input, each rank's whole all-to-all buffer). The expert
    /// dispatch and combine kernels (<c>ep_dispatch</c>, <c>ep_combine</c>: "deepep_ll" and "deepep_normal", DeepEP's
    /// low-latency and normal kernels) are keyed by the expert-parallel group, across nodes, and their message is the bytes
    /// of the copies one rank sends counted as 16-bit rows: token-expert copies for the low-latency kernels (tokens x top-k
    /// x hidden x 2), token-GPU copies for the normal ones (tokens x the GPUs a token reaches x hidden x 2).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<int, MeasuredCurve>>> Collectives { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<int, MeasuredCurve>>>();

    /// <summary>Measured curves of one collective by implementation and GPU count; empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, MeasuredCurve>> CurvesOf(string collective) =>
        Collectives.TryGetValue(collective, out var c) ? c : Empty;

    /// <summary>Measured all-reduce time against message size inside one node, per implementation ("nccl",
    /// "trtllm") and GPU count (hardware.json <c>measured.all_reduce</c>); empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, MeasuredCurve>> AllReduce => CurvesOf("all_reduce");

    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<int, MeasuredCurve>> Empty =
        new Dictionary<string, IReadOnlyDictionary<int, MeasuredCurve>>();

    /// <summary>Measured fixed latency of one kernel call, in seconds, per kernel kind ("gemm": a Linear layer;
    /// "moe": a fused MoE layer) and weight format (bf16, fp8, int8, int4, fp4, fp8_block): the part of its time
    /// that does not scale with bytes or FLOPs (launch, activation quantization, routing, permutation). From
    /// hardware.json <c>measured.fixed_us</c>; empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> FixedLatency { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<MathType, double>>();

    /// <summary>Measured fixed latencies of one serving engine's own kernels (hardware.json <c>measured.engines.NAME.fixed_us</c>,
    /// same shape as <see cref="FixedLatency"/>, which holds TensorRT-LLM's); empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> EngineFixedLatency { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();

    /// <summary>Measured per-row work of a kernel kind ("moe": a fused MoE layer's expansion of each token into its top-k
    /// copies and the weighted un-permute after the second GEMM), in seconds per token-expert pair and hidden element, by
    /// weight format: TensorRT-LLM's kernels (hardware.json <c>measured.row_ps</c>, picoseconds); empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> RowSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<MathType, double>>();

    /// <summary>The same per serving engine (hardware.json <c>measured.engines.NAME.row_ps</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> EngineRowSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();

    /// <summary>Measured per-token work of a kernel kind ("moe": quantizing each input token once, and what else scales with
    /// the tokens a GPU's fused MoE takes in rather than with its copies), in seconds per input token and hidden element
    /// (hardware.json <c>measured.token_ps</c>, picoseconds); empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> TokenSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<MathType, double>>();

    /// <summary>The same per serving engine (hardware.json <c>measured.engines.NAME.token_ps</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> EngineTokenSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();

    /// <summary>Measured per-expert work of a kernel kind ("moe": a grouped GEMM's cost for each expert it runs, beyond the
    /// expert's bytes and FLOPs), in seconds per active expert, by weight format (hardware.json <c>measured.expert_ns</c>,
    /// nanoseconds); empty where nothing was measured or the fit was dropped.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> ExpertSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<MathType, double>>();

    /// <summary>The same per serving engine (hardware.json <c>measured.engines.NAME.expert_ns</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> EngineExpertSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();

    /// <summary>Measured per-copy work of a kernel kind ("moe": the fixed part of a fused MoE's row kernels' work on each
    /// token-expert copy, whatever its width), in seconds per copy, by weight format (hardware.json <c>measured.copy_ns</c>,
    /// nanoseconds). Fitted under the law in which the experts' weights stream under the grouped GEMMs' math (TensorRT-LLM's
    /// CUTLASS kernels, docs/cost-model.md): where the cost model takes a figure from here it takes that law with it.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> CopySeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<MathType, double>>();

    /// <summary>The same per serving engine (hardware.json <c>measured.engines.NAME.copy_ns</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> EngineCopySeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();

    /// <summary>Measured serial reduction time of a kernel kind ("gemm": a GEMM without split-K walks the whole reduction
    /// dimension in K / tile_K mainloop steps per output tile, so at a few rows its time grows with K, not with the weight
    /// bytes), in seconds per K element, by weight format (hardware.json <c>measured.k_ps</c>, picoseconds); empty where nothing
    /// was measured or the fit was dropped.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> KSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<MathType, double>>();

    /// <summary>The same per serving engine (hardware.json <c>measured.engines.NAME.k_ps</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> EngineKSeconds { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();

    /// <summary>The measured serial reduction time of a kernel kind at a weight format (seconds per K element), or null,
    /// looked up as <see cref="RowSecondsFor"/> (fitted with the fixed latency).</summary>
    public double? KSecondsFor(string kind, MathType format, string engine = "") => FittedWithFixed(KSeconds, EngineKSeconds, kind, format, engine);

    /// <summary>The measured per-row work of a kernel kind at a weight format (seconds per pair and hidden element), or
    /// null: from the table whose fixed latency <see cref="FixedLatencyFor"/> takes, the one it was fitted with. An engine
    /// with its own fixed latency but no per-row term (its fit was dropped) has none, not TensorRT-LLM's.</summary>
    public double? RowSecondsFor(string kind, MathType format, string engine = "") => FittedWithFixed(RowSeconds, EngineRowSeconds, kind, format, engine);

    /// <summary>The measured per-token work of a kernel kind at a weight format (seconds per input token and hidden element),
    /// or null, looked up as <see cref="RowSecondsFor"/>.</summary>
    public double? TokenSecondsFor(string kind, MathType format, string engine = "") => FittedWithFixed(TokenSeconds, EngineTokenSeconds, kind, format, engine);

    /// <summary>The measured per-expert work of a kernel kind at a weight format (seconds per active expert), or null, looked
    /// up as <see cref="RowSecondsFor"/>.</summary>
    public double? ExpertSecondsFor(string kind, MathType format, string engine = "") => FittedWithFixed(ExpertSeconds, EngineExpertSeconds, kind, format, engine);

    /// <summary>The measured per-copy work of a kernel kind at a weight format (seconds per token-expert copy), or null, looked
    /// up as <see cref="RowSecondsFor"/>; non-null selects the law it was fitted under (<see cref="CopySeconds"/>).</summary>
    public double? CopySecondsFor(string kind, MathType format, string engine = "") => FittedWithFixed(CopySeconds, EngineCopySeconds, kind, format, engine);

    private double? FittedWithFixed(IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> defaults,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>> engines, string kind, MathType format, string engine)
    {
        // The fixed latencies taken (an engine's own where it measured this kernel, else the device's) and the terms fitted with them.
        var fixedTaken = engine.Length > 0 && EngineFixedLatency.TryGetValue(engine, out var fixedOwn) && FormatFound(fixedOwn, kind, format) is not null ? fixedOwn : null;
        var terms = fixedTaken is null ? defaults : engines.TryGetValue(engine, out var own) ? own : null;
        if (terms is null) return null;
        // The term fitted with the fixed latency taken, at the format that latency was found at: FP8 with its own fixed latency
        // does not take a term of the block-scaled FP8 kernels' fit.
        var at = FormatFound(fixedTaken ?? FixedLatency, kind, format);
        return at is null ? Lookup(terms, kind, format) : terms.TryGetValue(kind, out var byFormat) && byFormat.TryGetValue(at, out var s) ? s : null;
    }

    /// <summary>The format whose entry <see cref="Lookup"/> takes for <paramref name="format"/>, or null where there is none.</summary>
    private static MathType? FormatFound(IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> table, string kind, MathType format)
    {
        if (!table.TryGetValue(kind, out var byFormat)) return null;
        if (byFormat.ContainsKey(format)) return format;
        var alias = format.SameKernelsAs ?? format.KernelVariant;
        return alias is not null && byFormat.ContainsKey(alias) ? alias : null;
    }

    /// <summary>The share of the dense BF16 peak a chunked recurrent scan reaches in prefill, by kernel kind ("gdn": gated
    /// DeltaNet's chunk_gated_delta_rule; "ssd": Mamba-2's mamba_chunk_scan_combined), TensorRT-LLM's kernels (hardware.json
    /// <c>measured.scan_fraction</c>); empty where nothing was measured.</summary>
    public IReadOnlyDictionary<string, double> ScanFraction { get; init; } = new Dictionary<string, double>();

    /// <summary>TensorRT-LLM's attention kernels' law (hardware.json <c>measured.attention_law</c>, else the catalog's
    /// <c>typical_measured.attention_law</c>); null where neither gives one.</summary>
    public AttentionLaw? Attention { get; init; }

    /// <summary>TensorRT-LLM's MLA kernels' law (hardware.json <c>measured.mla_law</c>, <see cref="MlaLaw"/>); null where absent.</summary>
    public AttentionLaw? Mla { get; init; }

    /// <summary>The same per serving engine, fitted on its own kernels' tables (hardware.json <c>measured.engines.NAME.attention_law</c>).</summary>
    public IReadOnlyDictionary<string, AttentionLaw> EngineAttention { get; init; } = new Dictionary<string, AttentionLaw>();

    /// <summary>The attention law of the kernels a profile runs, or null (the cost model then keeps eta_attention and the
    /// attention kernel's fixed latency): looked up as <see cref="ScanFractionFor"/>, under an engine's profile only that
    /// engine's own (vLLM runs FlashAttention's or FlashInfer's kernels, not TensorRT-LLM's), else TensorRT-LLM's.</summary>
    public AttentionLaw? AttentionFor(string engine = "") => EnginesOwn(Attention, EngineAttention, engine);

    /// <summary>The MLA law of the kernels a profile runs, or null (the old rule): TensorRT-LLM's; no engine has its own
    /// fitted (SGLang's was refused, vLLM's not fitted), so under an engine's profile none, by the rule of <see cref="AttentionFor"/>.</summary>
    public AttentionLaw? MlaFor(string engine = "") => EnginesOwn(Mla, NoEngineLaws, engine);

    private static readonly IReadOnlyDictionary<string, AttentionLaw> NoEngineLaws = new Dictionary<string, AttentionLaw>();

    /// <summary>The same per serving engine (hardware.json <c>measured.engines.NAME.scan_fraction</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> EngineScanFraction { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, double>>();

    /// <summary>The measured share of peak of a chunked scan of this kind, or null: under an engine's profile only that
    /// engine's own (a scan fraction is its kernel's: vLLM runs FlashInfer's scan, not FLA's), else TensorRT-LLM's.</summary>
    public double? ScanFractionFor(string kind, string engine = "") =>
        EnginesOwn(ScanFraction, EngineScanFraction, engine) is { } table && table.TryGetValue(kind, out var f) ? f : null;

    /// <summary>A measurement of a kernel's own rate: with no engine named, the device's (TensorRT-LLM's kernels); under an
    /// engine's profile that engine's own, or none (another engine's kernels are no measure of its).</summary>
    private static T? EnginesOwn<T>(T? device, IReadOnlyDictionary<string, T> engines, string engine) where T : class =>
        engine.Length == 0 ? device : engines.GetValueOrDefault(engine);

    /// <summary>The measured fixed latency of a kernel kind at a weight format (f16 shares bf16's), or null: the
    /// engine's own measurement where it has one, else the device's default (TensorRT-LLM's kernels).</summary>
    public double? FixedLatencyFor(string kind, MathType format, string engine = "")
    {
        if (engine.Length > 0 && EngineFixedLatency.TryGetValue(engine, out var own) && Lookup(own, kind, format) is { } s) return s;
        return Lookup(FixedLatency, kind, format);
    }

    /// <summary>One table's entry: f16 shares bf16's kernels (<see cref="MathType.SameKernelsAs"/>); FP8 takes the block-scaled
    /// FP8 kernels (DeepSeek's 128 x 128 scales, <see cref="MathType.KernelVariantOf"/>) where only those were measured, as the
    /// cost model's FP8 does not tell the two scalings apart.</summary>
    private static double? Lookup(IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> table, string kind, MathType format) =>
        FormatFound(table, kind, format) is { } at ? table[kind][at] : null;

    /// <summary>The measured GEMM fraction for a math type: f16 shares bf16's tensor cores, integer
    /// weight-only formats run 16-bit math; null where the device has no measurement for it.</summary>
    public double? GemmFractionFor(MathType type)
    {
        if (GemmFraction.TryGetValue(type, out var f)) return f;
        return (type.SameKernelsAs ?? type.WeightOnlyIn) is { } stand && GemmFraction.TryGetValue(stand, out f) ? f : null;
    }
}

/// <summary>GPUs in nodes of one device type: the deployment's hardware.</summary>
public sealed record Cluster(Device Device, int Nodes, int GpusPerNode)
{
    public int Gpus => Nodes * GpusPerNode;

    /// <summary>The hosts the cluster's GPUs sit on (<see cref="Device.GpusPerHost"/>): per node the fewest that split its GPUs
    /// evenly with at most GpusPerHost each (72 GB200 GPUs: 18 hosts of 4; 6: 2 of 3); one per node where hosts and nodes
    /// are the same.</summary>
    public int Hosts
    {
        get
        {
            int perHost = System.Math.Max(1, Device.GpusPerHost), perNode = System.Math.Max(1, GpusPerNode);
            int hosts = (perNode + perHost - 1) / perHost;
            while (perNode % hosts != 0) hosts++;
            return Nodes * hosts;
        }
    }
}

/// <summary>
/// A measured time-against-size curve (a collective's latency at each message size), interpolated
/// linearly in log-log between the measured points. Below the smallest size the smallest time holds (the
/// latency floor); above the largest the last segment's bandwidth continues.
/// </summary>
public sealed class MeasuredCurve
{
    private readonly double[] _bytes;
    private readonly double[] _seconds;
    private readonly double[] _lnBytes;
    private readonly double[] _lnSeconds;

    public MeasuredCurve(IReadOnlyList<(double Bytes, double Seconds)> points)
    {
        if (points.Count == 0) throw new System.ArgumentException("a measured curve needs at least one point");
        var sorted = new List<(double Bytes, double Seconds)>(points);
        sorted.Sort((a, b) => a.Bytes.CompareTo(b.Bytes));
        _bytes = new double[sorted.Count];
        _seconds = new double[sorted.Count];
        _lnBytes = new double[sorted.Count];
        _lnSeconds = new double[sorted.Count];
        for (int i = 0; i < sorted.Count; i++)
        {
            _bytes[i] = sorted[i].Bytes; _seconds[i] = sorted[i].Seconds;
            _lnBytes[i] = System.Math.Log(_bytes[i]); _lnSeconds[i] = System.Math.Log(_seconds[i]);
        }
    }

    public IReadOnlyList<double> Bytes => _bytes;
    public IReadOnlyList<double> Seconds => _seconds;

    /// <summary>Time for a message of <paramref name="bytes"/> bytes.</summary>
    public double At(double bytes)
    {
        int n = _bytes.Length;
        if (n == 1 || bytes <= _bytes[0]) return _seconds[0];
        if (bytes >= _bytes[n - 1])
        {
            // Past the last point: the last segment's incremental bandwidth.
            double slope = (_seconds[n - 1] - _seconds[n - 2]) / (_bytes[n - 1] - _bytes[n - 2]);
            return _seconds[n - 1] + (bytes - _bytes[n - 1]) * System.Math.Max(0, slope);
        }
        int i = 1;
        while (_bytes[i] < bytes) i++;
        double f = (System.Math.Log(bytes) - _lnBytes[i - 1]) / (_lnBytes[i] - _lnBytes[i - 1]);
        return System.Math.Exp(_lnSeconds[i - 1] + f * (_lnSeconds[i] - _lnSeconds[i - 1]));
    }
}
