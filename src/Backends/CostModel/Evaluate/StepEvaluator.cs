using System;
using System.Runtime.CompilerServices;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Evaluate;

/// <summary>The time of one model step, split into what the GPUs spend it on.</summary>
public struct StepTime
{
    public double Seconds;
    public double ComputeSeconds;
    public double MemorySeconds;
    public double CommSeconds;
    public double LaunchSeconds;
    /// <summary>The slowest pipeline stage's own time (equal to Seconds without pipeline parallelism, minus the step overhead).</summary>
    public double MaxStageSeconds;
    /// <summary>The same step with every op run one after another (nothing overlapped); equals Seconds
    /// when no collective is asynchronous.</summary>
    public double SerialSeconds;
    /// <summary>The host's time dispatching the step's kernels one by one (CUDA graphs off, decode; 0 otherwise), summed over
    /// pipeline stages; a stage takes the longer of its GPU work and its dispatching (<see cref="EagerDispatch"/>).</summary>
    public double HostDispatchSeconds;
    /// <summary>The engine's own host work in the step (its scheduler, sampler and request bookkeeping: the running requests x
    /// the profile's seconds per request on the host CPU; 0 where it has no figure): the step takes the longer of it and the
    /// GPU's work when the engine overlaps them, else their sum (<see cref="HostStep"/>).</summary>
    public double HostStepSeconds;
}

/// <summary>
/// Evaluates a <see cref="CostPlan"/> at a workload on a cluster. Per op: time = max(FLOPs / (eta_class x
/// peak), bytes / (eta_hbm x HBM bandwidth)) + a fixed per-kernel time; collectives by algorithm over
/// the links they cross. MoE layers stream only the experts the batch touches, and the busiest GPU
/// sets their time. The step is the sum over ops plus a per-step overhead, or, once the overlap pass made
/// collectives asynchronous, the two-stream schedule of <see cref="StreamSchedule"/>; pipeline stages
/// run one after another for one token. With CUDA graphs off, a decode stage takes at least the host's time to dispatch its
/// kernels one by one (<see cref="EagerDispatch"/>); a step takes at least the engine's own host work for its running
/// requests where the profile prices it (<see cref="HostStep"/>).
/// </summary>
public sealed class StepEvaluator
{
    private readonly CostPlan _plan;
    private readonly Cluster _cluster;
    private readonly EfficiencyProfile _eff;
    private readonly Collectives _collectives;
    private readonly double[] _peak; // effective FLOP/s per entry (efficiency applied)
    private readonly bool[] _dequant; // weights converted to 16-bit on the vector units
    private readonly double[] _fixed; // fixed time per execution (launch; measured GEMM/MoE latency)
    private readonly double[] _rowSeconds, _tokenSeconds; // fused MoE: measured seconds per token-expert pair, and per input token, and hidden element
    private readonly double[] _expertSeconds; // fused MoE: measured seconds per expert run
    private readonly double[] _copySeconds; // fused MoE: measured seconds per token-expert copy (the overlapped law's)
    private readonly bool[] _weightsUnderMath; // fused MoE whose terms were fitted with its weights streamed under the math
    private readonly double[] _quantizeRow; // GEMM: seconds per row of the kernel quantizing its 16-bit activations (FP8/FP4 math)
    private readonly bool[] _dispatched; // fused MoE fed by an expert-parallel all-to-all: it takes in only the rows sent to it
    private readonly double[] _maxNormal; // MoE: E[max of n standard normals] over the entry's expert-parallel GPUs
    private readonly double[] _shareTokens, _share; // MoE: the busiest GPU's share at the last token count asked (its all-to-alls ask again)
    private readonly double _vectorPeak;
    private readonly double _bandwidth;
    private readonly double[] _atoms;
    private readonly double[] _stageTimes;
    private readonly OpTiming[] _timings;
    private readonly StreamSchedule? _schedule;
    private readonly double[] _stageKernels; // kernels each pipeline stage launches per step
    private readonly double _dispatch; // host seconds per kernel launch when the step is not graphed (0: graphed)
    private readonly double _hostDispatch; // the step's host dispatching over all stages (StepTime.HostDispatchSeconds): fixed per plan
    private readonly double _hostPerRequest; // the engine's host seconds per running request on this host CPU (0: no term)
    private readonly bool _hostOverlap; // the engine overlaps its host work with the GPU's (max), else they add
    private readonly AttentionLaw? _attention; // the measured law of the attention kernels the profile runs, where it has one
    private readonly bool[] _attentionLaw; // entries priced by it (nn.attention, alone or fused)
    private readonly double _kvBandwidth; // decode attention under the law: the KV cache's streaming rate
    private readonly AttentionLaw? _mla; // TensorRT-LLM's MLA kernels' measured law (MlaLaw), where the profile takes it
    private readonly double[] _mlaProjectionPeak; // entries priced by it: their projection's GEMM rate (0: not priced by it)
    private double _batch, _seq, _ctx; // the workload of the step being evaluated
    private bool _generation; // its attention runs the generation kernel (one new token a sequence, or the decode plan)

    public StepEvaluator(CostPlan plan, Cluster cluster, EfficiencyProfile eff)
    {
        _plan = plan; _cluster = cluster; _eff = eff;
        _collectives = new Collectives(cluster, eff, plan.Layout);
        _bandwidth = cluster.Device.HbmBytesPerSecond * eff.EtaHbm * (eff.ScaleByMeasured && cluster.Device.HbmFraction > 0 ? cluster.Device.HbmFraction : 1);
        _atoms = new double[Math.Max(1, plan.Atoms.Count)];
        _stageTimes = new double[plan.Layout.Pp];
        _timings = new OpTiming[plan.Entries.Length];
        _schedule = plan.HasAsync ? new StreamSchedule(plan) : null;
        _peak = new double[plan.Entries.Length];
        _dequant = new bool[plan.Entries.Length];
        _fixed = new double[plan.Entries.Length];
        _rowSeconds = new double[plan.Entries.Length];
        _tokenSeconds = new double[plan.Entries.Length];
        _expertSeconds = new double[plan.Entries.Length];
        _copySeconds = new double[plan.Entries.Length];
        _weightsUnderMath = new bool[plan.Entries.Length];
        _quantizeRow = new double[plan.Entries.Length];
        _dispatched = new bool[plan.Entries.Length];
        foreach (var e in plan.Entries) if (e.RoutedEntry >= 0) _dispatched[e.RoutedEntry] = true;
        _maxNormal = new double[plan.Entries.Length];
        _shareTokens = new double[plan.Entries.Length];
        _share = new double[plan.Entries.Length];
        _vectorPeak = PeakFor(cluster.Device, MathType.F32);
        _attentionLaw = new bool[plan.Entries.Length];
        // The law of the kernels the profile runs: TensorRT-LLM's, or vLLM's or SGLang's own where the device has it fitted
        // (else those keep eta_attention and their attention kernel's fixed latency).
        _attention = eff.MeasuredFixedLatency && eff.ScaleByMeasured ? cluster.Device.AttentionFor(eff.KernelEngine) : null;
        _kvBandwidth = _attention is null ? _bandwidth : cluster.Device.HbmBytesPerSecond * eff.EtaHbm * _attention.KvBandwidthFraction;
        _mla = eff.MeasuredFixedLatency && eff.ScaleByMeasured ? cluster.Device.MlaFor(eff.KernelEngine) : null;
        _mlaProjectionPeak = new double[plan.Entries.Length];
        // Engines capture graphs of decode steps only; prefill runs eagerly either way, and its GPU work outlasts its
        // dispatching at the prompt lengths served (docs/cost-model.md, "Eager execution"), so only decode changes.
        _dispatch = eff.CudaGraphs || plan.Phase == CostPhase.Prefill ? 0 : eff.EagerDispatchSeconds;
        _stageKernels = new double[plan.Layout.Pp];
        foreach (var e in plan.Entries) if (e.IsKernel) _stageKernels[e.Stage] += e.Multiplicity;
        foreach (var kernels in _stageKernels) _hostDispatch += kernels * _dispatch;
        _hostPerRequest = eff.HostSecondsPerRequest(cluster.Device.HostCpu);
        _hostOverlap = eff.HostOverlap;
        for (int i = 0; i < plan.Entries.Length; i++)
        {
            var e = plan.Entries[i];
            double eta = e.Class switch
            {
                OpClass.Gemm => eff.EtaGemm,
                OpClass.GroupedGemm => eff.EtaGroupedGemm,
                OpClass.Attention => eff.EtaAttention,
                _ => eff.EtaGemm,
            };
            // Large GEMMs reach a measured, device- and format-specific share of peak (FP8/FP4 less than BF16).
            if (eff.ScaleByMeasured && e.Class is OpClass.Gemm or OpClass.GroupedGemm && MeasuredGemmFraction(cluster.Device, e.ComputeType) is { } f) eta *= f;
            // A chunked recurrent scan in prefill reaches its kernel's measured share of peak, in place of eta_attention.
            if (eff.ScaleByMeasured && plan.Phase != CostPhase.Decode && MeasuredScanFraction(cluster.Device, e, eff.KernelEngine) is { } scan) eta = scan;
            _peak[i] = PeakFor(cluster.Device, e.ComputeType) * eta;
            _dequant[i] = Dequantized(cluster.Device, e);
            _fixed[i] = !e.IsKernel ? 0 : eff.MeasuredFixedLatency && MeasuredFixed(cluster.Device, e, _dequant[i], eff.KernelEngine, plan.Phase) is { } s ? s : eff.KernelSeconds;
            // MLA under its own law (in Finish): the core at the law's rates, the projection through w_kv_b at the GEMMs' share of peak.
            if (_mla is not null && e.KernelKind == "mla" && e.AttentionHeads > 0 && e.IsKernel && e.GemmN > 0)
            {
                _peak[i] = PeakFor(cluster.Device, e.ComputeType); // the law's shares apply to the dense peak
                _mlaProjectionPeak[i] = _peak[i] * eff.EtaGemm * (MeasuredGemmFraction(cluster.Device, e.ComputeType) ?? 1);
            }
            else if (_attention is not null && e.AttentionHeads > 0 && e.IsKernel && e.KernelKind != "mla")
            {
                // Context attention reaches eta_max of the BF16 peak at long prompts (less at short ones, in Finish); each
                // kernel takes its measured fixed time (in Finish, by the step's kernel).
                _attentionLaw[i] = true;
                if (plan.Phase != CostPhase.Decode) _peak[i] = PeakFor(cluster.Device, e.ComputeType) * _attention.EtaMax;
            }
            // Fitted with the fixed latency and the serial law: taken only together with them.
            if (eff.MeasuredFixedLatency && eff.MoeSerialWork && MeasuredRowSeconds(cluster.Device, e, _dequant[i], eff.KernelEngine) is { } row)
            {
                (_rowSeconds[i], _tokenSeconds[i], _expertSeconds[i]) = (row.Pair, row.Token, row.Expert);
                if (row.Copy is { } copy) (_copySeconds[i], _weightsUnderMath[i]) = (copy, true);
            }
            // Fitted with the fixed latency too: a GEMM's serial walk over K (a fixed time per entry) and the activation quantization.
            if (eff.MeasuredFixedLatency && MeasuredGemmK(cluster.Device, e, _dequant[i], eff.KernelEngine) is { } k)
            {
                _fixed[i] += k.PerK * e.GemmK;
                _quantizeRow[i] = k.QuantizePerElement * e.GemmK;
            }
            if (e.IsMoe && e.LocalExperts > 0) _maxNormal[i] = RoutingSkew.ExpectedMaxOfNormals((int)Math.Round(e.Slots / e.LocalExperts));
        }
    }

    /// <summary>Whether an entry's low-bit weights are converted for its math on the vector units: weight-only integer
    /// formats (W8A16 / W4A16) always; FP8 and FP4 where the device has no such math (FP8 on an A100, FP4 on Hopper or
    /// MI300X), or where 16-bit activations were asked for.</summary>
    public static bool Dequantized(Device d, PlanEntry e) =>
        e.WeightFormat is { } w && (w.IsWeightOnly || d.Peak(w) is null || e.ComputeType != w);

    /// <summary>The math format a GEMM entry runs on this device where its weight format has no math of its own
    /// (FP4 -> FP8 -> BF16, as <see cref="PeakFor"/> falls back): the format it is emulated in; null when the device
    /// computes the format natively, or for weight-only integer formats (16-bit math by design) and other ops.</summary>
    public static MathType? EmulatedIn(Device d, PlanEntry e)
    {
        if (e.WeightFormat is not { IsNarrow: true } w || !Dequantized(d, e)) return null;
        if (e.ComputeType != w) return e.ComputeType;   // 16-bit activations asked for
        return d.ComputesIn(w);
    }

    /// <summary>The device's measured fixed latency for a GEMM, fused-MoE, decode-attention or recurrent entry, the profile's
    /// engine's own where the device has it (<see cref="Device.FixedLatencyFor"/>): GEMMs and MoE at their weight format (16-bit,
    /// native FP8/FP4, or a weight-only integer format), attention kernels at their 16-bit math; FP8/FP4 weights the device
    /// cannot compute in run as kernels of the math they are converted to (<see cref="EmulatedIn"/>), taking that kernel's
    /// measurement (else BF16's). Recurrent kernels take their kind's measurement in the plan's phase (gdn_prefill,
    /// conv1d_decode); an attention-class scan without one takes decode attention's, as it did before they were measured.
    /// Null for other ops, or where nothing was measured.</summary>
    public static double? MeasuredFixed(Device d, PlanEntry e, bool dequantized, string engine = "", CostPhase phase = CostPhase.Prefill)
    {
        if (e.KernelKind == "") return null;
        if (CostPlan.IsPhased(e.KernelKind))
            return d.FixedLatencyFor(CostPlan.FixedLatencyKey(e.KernelKind, phase), MathType.Bf16, engine)
                   ?? (e.Class == OpClass.Attention ? d.FixedLatencyFor("attention", MathType.Bf16, engine) : null);
        if (e.KernelKind is "attention" or "mla") return d.FixedLatencyFor(e.KernelKind, MathType.Bf16, engine);
        return AtKernelFormat(d, e, dequantized, f => d.FixedLatencyFor(e.KernelKind, f, engine));
    }

    /// <summary>The device's measured per-row and per-expert work of a fused-MoE entry: seconds per token-expert pair and per
    /// input token, per hidden element, seconds per expert run and seconds per copy (<see cref="Device.RowSecondsFor"/>,
    /// <see cref="Device.TokenSecondsFor"/>, <see cref="Device.ExpertSecondsFor"/>, <see cref="Device.CopySecondsFor"/>; a
    /// missing figure is 0, but a missing time per copy is null: its presence selects the law it was fitted under), at the
    /// format whose fixed latency it takes; null for other entries or where nothing was measured (no term).</summary>
    public static (double Pair, double Token, double Expert, double? Copy)? MeasuredRowSeconds(Device d, PlanEntry e, bool dequantized, string engine = "")
    {
        if (!e.IsMoe || e.KernelKind != "moe" || e.RowWidth <= 0) return null;
        var pair = AtKernelFormat(d, e, dequantized, f => d.RowSecondsFor("moe", f, engine));
        var token = AtKernelFormat(d, e, dequantized, f => d.TokenSecondsFor("moe", f, engine));
        var expert = AtKernelFormat(d, e, dequantized, f => d.ExpertSecondsFor("moe", f, engine));
        var copy = AtKernelFormat(d, e, dequantized, f => d.CopySecondsFor("moe", f, engine));
        return pair is null && token is null && expert is null && copy is null ? null : (pair ?? 0, token ?? 0, expert ?? 0, copy);
    }

    /// <summary>A GEMM entry's measured small-M terms at the format whose fixed latency it takes (<see cref="Device.KSecondsFor"/>:
    /// seconds per reduction element, its mainloop's serial walk over K; <see cref="Device.TokenSecondsFor"/> of kind "gemm":
    /// seconds per activation element the separate quantize kernel converts for FP8/FP4 math; a missing figure is 0); null for
    /// other entries or where nothing was measured.</summary>
    public static (double PerK, double QuantizePerElement)? MeasuredGemmK(Device d, PlanEntry e, bool dequantized, string engine = "")
    {
        if (e.KernelKind != "gemm" || e.GemmK <= 0) return null;
        var perK = AtKernelFormat(d, e, dequantized, f => d.KSecondsFor("gemm", f, engine));
        var quantize = AtKernelFormat(d, e, dequantized, f => d.TokenSecondsFor("gemm", f, engine));
        return perK is null && quantize is null ? null : (perK ?? 0, quantize ?? 0);
    }

    /// <summary>A GEMM or MoE kernel's measurement at its weight format (16-bit, native FP8/FP4, or a weight-only integer
    /// format); FP8/FP4 weights the device cannot compute in run as kernels of the math they are converted to
    /// (<see cref="EmulatedIn"/>), taking that kernel's measurement, else BF16's.</summary>
    private static double? AtKernelFormat(Device d, PlanEntry e, bool dequantized, Func<MathType, double?> measured)
    {
        if (e.WeightFormat is { IsNarrow: true } && dequantized)
            return measured(EmulatedIn(d, e) ?? MathType.Bf16) ?? measured(MathType.Bf16);
        return measured(e.WeightFormat ?? e.ComputeType);
    }

    /// <summary>The measured share of the BF16 peak of a recurrent scan's chunked prefill kernel (<see cref="Device.ScanFractionFor"/>),
    /// for attention-class recurrent entries; null for other entries or where nothing was measured.</summary>
    public static double? MeasuredScanFraction(Device d, PlanEntry e, string engine = "") =>
        e.Class == OpClass.Attention && CostPlan.IsPhased(e.KernelKind) ? d.ScanFractionFor(e.KernelKind, engine) : null;

    public CostPlan Plan => _plan;

    /// <summary>Routing statistics and expert placement; null means uniform routing over a contiguous placement.</summary>
    public GraphDsl.Backends.CostModel.Moe.RoutingModel? Routing { get; set; }

    /// <summary>The measured large-GEMM fraction of the peak <see cref="PeakFor"/> gives for a math type
    /// (following the same fallback from FP4 to FP8 to BF16 when the device lacks the narrower math).</summary>
    public static double? MeasuredGemmFraction(Device d, MathType type) => d.GemmFractionFor(d.ComputesIn(type));

    /// <summary>Dense peak FLOP/s for a math type, falling back along <see cref="MathType.PeakFallback"/> to the nearest
    /// the device has (FP4 to FP8 to BF16; f16 and bf16 to each other; f32 vector work to TF32, then BF16).</summary>
    public static double PeakFor(Device d, MathType type)
    {
        // f16 and bf16 fall back on each other: the bound ends the walk where the device has neither.
        MathType? t = type;
        for (int steps = 0; t is not null && steps <= MathType.All.Count; t = t.PeakFallback, steps++)
            if (d.Peak(t) is { } p) return p;
        throw new InvalidOperationException($"device {d.Id} has no peak for {type}");
    }

    /// <summary>Evaluates one step with <paramref name="batch"/> sequences per replica, <paramref name="seq"/>
    /// new tokens each and <paramref name="ctx"/> tokens in the cache. Fills <paramref name="details"/>
    /// (one per plan entry, per execution) when given.</summary>
    public StepTime Evaluate(double batch, double seq, double ctx, OpTiming[]? details = null)
    {
        _plan.Atoms.Evaluate(batch, seq, ctx, _atoms);
        (_batch, _seq, _ctx) = (batch, seq, ctx);
        // TensorRT-LLM runs one new token per sequence on its generation kernel, also where a mixed step prices its decodes
        // on the prefill plan (serve's chunked prefill).
        _generation = _plan.Phase == CostPhase.Decode || seq <= 1;
        Array.Clear(_stageTimes, 0, _stageTimes.Length);
        var result = new StepTime();
        var entries = _plan.Entries;
        var timings = details ?? _timings;
        for (int i = 0; i < entries.Length; i++)
        {
            var t = Time(entries[i], i);
            timings[i] = t;
            var m = entries[i].Multiplicity;
            _stageTimes[entries[i].Stage] += t.Seconds * m;
            result.ComputeSeconds += t.Bound == Bound.Compute ? t.Seconds * m : 0;
            result.MemorySeconds += t.Bound == Bound.Memory ? t.Seconds * m : 0;
            result.CommSeconds += t.CommSeconds * m;
            result.LaunchSeconds += t.LaunchSeconds * m;
        }
        double overhead = _plan.Phase == GraphDsl.Ir.Ops.CostPhase.Prefill ? _eff.PrefillSeconds : _eff.StepSeconds;
        _schedule?.Run(timings);
        double serial = 0, sum = 0, max = 0;
        for (int stage = 0; stage < _stageTimes.Length; stage++)
        {
            // Without an overlap schedule the step is the serial one: each stage is floored once, for both.
            double s = Stage(stage, _stageTimes[stage]);
            serial += s;
            if (_schedule is not null) s = Stage(stage, _schedule.StageSeconds[stage]);
            sum += s; max = Math.Max(max, s);
        }
        result.HostDispatchSeconds = _hostDispatch;
        result.HostStepSeconds = _hostPerRequest * batch;
        result.SerialSeconds = WithHostWork(serial, batch) + overhead;
        result.Seconds = WithHostWork(sum, batch) + overhead;
        result.MaxStageSeconds = max;
        return result;
    }

    /// <summary>A step of <paramref name="gpuSeconds"/> of GPU work for <paramref name="requests"/> running requests per
    /// replica, with the engine's host work (<see cref="HostStep"/>): unchanged where the profile has no figure for the host
    /// CPU. Serving's mixed steps, priced from their ops, take it here too.</summary>
    public double WithHostWork(double gpuSeconds, double requests) =>
        _hostPerRequest == 0 ? gpuSeconds : HostStep.StepSeconds(gpuSeconds, _hostPerRequest * requests, _hostOverlap);

    /// <summary>A pipeline stage's time: its GPU work, or, when the host dispatches its kernels one by one (CUDA graphs
    /// off), the longer of that and the dispatching (<see cref="EagerDispatch"/>).</summary>
    private double Stage(int stage, double gpuSeconds) =>
        _dispatch == 0 ? gpuSeconds : EagerDispatch.StepSeconds(gpuSeconds, _stageKernels[stage], _dispatch);

    // Compiled fully optimized at its first call, without tiering's dynamic PGO: the code tier 1 built for it from the
    // profile of the first evaluations ran the sweep 1.15-1.3x slower than the same method compiled without a profile
    // (docs/BENCHMARKS.md, "the sweep slowdown"); the method is the sweep's hot path, so its JIT cost is paid once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private OpTiming Time(PlanEntry e, int index)
    {
        var t = new OpTiming();
        if (e.Collective != CollectiveKind.None)
        {
            double payload = e.CommBytes.Evaluate(_atoms);
            if (e.RoutedEntry >= 0)
            {
                // A dispatch or combine: this GPU's rows go once to each GPU holding one of their experts, and the GPU
                // receiving the most (the busiest expert shard) ends it; by symmetry a GPU receives what it sends.
                var moe = _plan.Entries[e.RoutedEntry];
                double rows = payload / Math.Max(1, e.Fanout);
                rows *= Routing is not null ? BusiestShare(moe.MoeLayerStart, (int)e.Multiplicity) : BusiestOverMean(moe, e.RoutedEntry, GroupTokens(moe));
                var (nvlink, network) = _collectives.DispatchTraffic(rows, e.CommGroup, moe.Slots, moe.LocalExperts, moe.TopK);
                // On measured kernels (DeepEP) where the profile names them: low-latency for decode, normal for prefill
                // (SGLang's auto mode). A combine follows its MoE entry, a dispatch precedes it.
                bool combine = index > e.RoutedEntry;
                double? measured = _plan.Phase switch
                {
                    CostPhase.Decode => _collectives.LowLatencyExchange(combine, rows * moe.TopK, e.CommGroup),
                    CostPhase.Prefill => _collectives.NormalExchange(combine, rows, e.CommGroup, moe.Slots, moe.LocalExperts, moe.TopK),
                    _ => null,
                };
                t.CommSeconds = measured ?? _collectives.Dispatch(rows, e.CommGroup, moe.Slots, moe.LocalExperts, moe.TopK);
                t.Seconds = t.CommSeconds;
                t.Bytes = nvlink + network;
                t.Bound = Bound.Communication;
                t.SmShare = measured is not null && Collectives.DeepEpSmShare(_plan.Phase, _cluster.Device) is { } deepEp ? deepEp : e.SmShare;
                return t;
            }
            t.CommSeconds = _collectives.Time(e.Collective, payload, e.CommGroup, e.CommAxis);
            t.Seconds = t.CommSeconds;
            t.Bytes = Collectives.Received(e.Collective, payload, e.CommGroup);
            t.Bound = Bound.Communication;
            t.SmShare = e.SmShare;
            return t;
        }
        double flops = e.Flops.Evaluate(_atoms);
        double weightBytes = e.WeightBytes.Evaluate(_atoms);
        double actBytes = e.ActivationBytes.Evaluate(_atoms);
        double kvBytes = e.KvBytes.Evaluate(_atoms);
        if (e.IsMoe && Routing is not null) return RoutedTime(e, index, flops, weightBytes, actBytes, kvBytes);
        double pairs = 0, groupTokens = 0, touched = 0;
        if (e.IsMoe) (flops, weightBytes, actBytes, pairs, groupTokens, touched) = MoeWork(e, index, flops, weightBytes, actBytes);
        return Finish(e, index, flops, weightBytes, actBytes + kvBytes, pairs, e.IsMoe ? InputRows(index, groupTokens, pairs) : 0, touched);
    }

    /// <summary>The rows a fused MoE kernel takes in: every token of its routing group where they all reach it (tensor
    /// parallelism, or attention-DP with an all-gather, as AIConfigurator's tables run it), but only the rows sent to it,
    /// at most one per token-expert copy, where an all-to-all dispatches them.</summary>
    private double InputRows(int index, double groupTokens, double pairs) => _dispatched[index] ? Math.Min(groupTokens, pairs) : groupTokens;

    /// <param name="pairs">A fused MoE's token-expert pairs on the GPU timed (0 for other entries).</param>
    /// <param name="tokens">The rows its kernel takes in (<see cref="InputRows"/>).</param>
    /// <param name="experts">The experts it runs (touched by its pairs).</param>
    private OpTiming Finish(PlanEntry e, int index, double flops, double weightBytes, double otherBytes, double pairs = 0, double tokens = 0, double experts = 0)
    {
        if (_mlaProjectionPeak[index] > 0) return MlaTime(e, index, flops, weightBytes, otherBytes);
        var t = new OpTiming();
        double bytes = weightBytes + otherBytes;
        t.Flops = flops;
        t.Bytes = bytes;
        double math = flops / _peak[index];
        double tiles = 0;
        if (_attentionLaw[index])
        {
            // The attention kernels (AttentionLaw, the engine's): in prefill the share of peak grows with the keys each query
            // sees and every CTA (a 128-query tile of one sequence's head) pays a fixed time; in decode every CTA (one
            // sequence's KV head with the query heads that share it) does, and with a 16-bit cache each query head does work
            // that overlaps the cache's stream.
            var law = _attention!;
            if (_generation)
            {
                tiles = law.KvHeadSeconds * _batch * e.AttentionKvHeads;
                math = Math.Max(math, law.WideKvQueryHeadTime(_batch, e.AttentionHeads, e.AttentionWideKv));
            }
            else
            {
                math *= law.EtaMax / law.PrefillEfficiency(_ctx);
                tiles = law.TileTime(_batch, e.AttentionHeads, _seq);
            }
        }
        // Dequantizing low-bit weights for 16-bit math costs vector-unit work per weight element read,
        // overlapping with the tensor-core work.
        double dequant = _dequant[index] && _eff.DequantOps > 0 ? _eff.DequantOps * weightBytes / e.WeightElementBytes / _vectorPeak : 0;
        t.ComputeSeconds = Math.Max(math, dequant);
        t.MemorySeconds = bytes / (_attentionLaw[index] && _generation ? _kvBandwidth : _bandwidth);
        t.LaunchSeconds = !_attentionLaw[index] ? _fixed[index] : _generation ? _attention!.DecodeFixedSeconds : _attention!.PrefillFixedSeconds;
        // Fused MoE kernels stream the experts' weights and then do their tensor-core math, tile by tile, with
        // little overlap: their time is the sum (AIConfigurator's kernel database, docs/cost-model.md); the
        // dequantization of weight-only formats still overlaps the streaming. TensorRT-LLM's warp-specialized grouped GEMMs
        // (the kernels whose terms carry a time per copy) load the next weight tiles while they multiply: only their
        // activations' traffic (the row kernels' passes, the GEMMs' inputs and outputs) runs in series with the math.
        double work = !(e.IsMoe && _eff.MoeSerialWork) ? Math.Max(t.ComputeSeconds, t.MemorySeconds)
            : _weightsUnderMath[index] ? Math.Max(math, Math.Max(dequant, weightBytes / _bandwidth)) + otherBytes / _bandwidth
            : math + Math.Max(dequant, t.MemorySeconds);
        // Their per-row passes (each input token quantized, its k copies gathered, then un-permuted and summed after the
        // second GEMM) take a measured time per copy and per token, per hidden element, after the GEMMs: data movement far
        // below HBM bandwidth.
        // The grouped GEMMs also take a measured time for each expert they run (each a problem of its own: its tiles' TMA
        // descriptors rewritten, its pipeline filled and drained), which the bytes and FLOPs do not count.
        // Each copy also costs its row kernels' fixed work whatever its width (a block per row: index look-ups, scale factors).
        double rows = (_rowSeconds[index] * pairs + _tokenSeconds[index] * tokens) * e.RowWidth + _expertSeconds[index] * experts + _copySeconds[index] * pairs;
        // A GEMM on FP8/FP4 math first quantizes its 16-bit activations in a kernel of its own: a memory pass per row.
        if (_quantizeRow[index] > 0) rows += _quantizeRow[index] * e.GemmM.Evaluate(_atoms);
        work += rows + tiles;
        t.MemorySeconds += rows;
        t.ComputeSeconds += tiles;
        t.Seconds = work + t.LaunchSeconds;
        t.Bound = t.LaunchSeconds > work ? Bound.Launch : t.ComputeSeconds >= t.MemorySeconds ? Bound.Compute : Bound.Memory;
        return t;
    }

    /// <summary>An MLA kernel under TensorRT-LLM's MLA law (<see cref="MlaLaw"/>): its projection through w_kv_b (the latent's
    /// up-projection in prefill, the absorbed W_UK / W_UV products in decode: separate GEMMs in the engine) at the GEMMs' share of
    /// peak while streaming the weight, then the attention core at the law's rates over the rest of its FLOPs and its latent
    /// cache, queries and outputs.</summary>
    private OpTiming MlaTime(PlanEntry e, int index, double flops, double weightBytes, double otherBytes)
    {
        double projectionFlops = e.GemmM.Evaluate(_atoms) * 2 * e.GemmK * e.GemmN;
        double projectionMath = projectionFlops / _mlaProjectionPeak[index], projectionMemory = weightBytes / _bandwidth;
        var core = MlaLaw.Core(_mla!, Math.Max(0, flops - projectionFlops), otherBytes, _peak[index], _bandwidth,
            _cluster.Device.HbmBytesPerSecond * _eff.EtaHbm, _batch, _seq, _ctx, e.AttentionHeads, _generation);
        var t = new OpTiming { Flops = flops, Bytes = weightBytes + otherBytes, LaunchSeconds = core.Fixed };
        t.ComputeSeconds = projectionMath + core.Math + core.Tiles;
        t.MemorySeconds = projectionMemory + core.Memory;
        double work = Math.Max(projectionMath, projectionMemory) + MlaLaw.Seconds(core) - core.Fixed;
        t.Seconds = work + t.LaunchSeconds;
        t.Bound = t.LaunchSeconds > work ? Bound.Launch : t.ComputeSeconds >= t.MemorySeconds ? Bound.Compute : Bound.Memory;
        return t;
    }

    /// <summary>The busiest GPU's token-expert pairs over the mean, averaged over the layers an all-to-all serves:
    /// dispatch and combine end when the GPU receiving (and sending back) the most tokens is done.</summary>
    private double BusiestShare(int firstLayer, int layers)
    {
        double sum = 0;
        for (int l = 0; l < layers; l++)
        {
            var (busiest, _, mean) = Routing!.Busiest(firstLayer + l, 1024);
            sum += mean > 0 ? busiest / mean : 1;
        }
        return layers > 0 ? sum / layers : 1;
    }

    /// <summary>With routing statistics: each layer the entry runs is timed on its busiest GPU (its own
    /// load and touched experts under the placement), and the entry's time is the mean over those layers.</summary>
    private OpTiming RoutedTime(PlanEntry e, int index, double flops, double weightBytes, double actBytes, double kvBytes)
    {
        double groupTokens = GroupTokens(e);
        double allExperts = e.LocalExperts * e.BytesPerExpert;
        double meanPairs = MeanPairs(e, groupTokens);
        int layers = (int)e.Multiplicity;
        var sum = new OpTiming();
        for (int l = 0; l < layers; l++)
        {
            var (pairs, touched, _) = Routing!.Busiest(e.MoeLayerStart + l, groupTokens);
            // The statistics give each GPU's expected experts touched, but the busiest GPU carries at least one whole pair
            // once a token is routed (at batch 1 a uniform file had it stream a quarter of Mixtral's one expert).
            if (e.LocalExperts < e.Slots && groupTokens * e.TopK >= 1) touched = Math.Max(touched, BusiestTouched(e.LocalExperts, 1));
            double scale = meanPairs > 0 ? pairs / meanPairs : 1;
            var t = Finish(e, index, flops + (pairs - meanPairs) * e.FlopsPerPair, weightBytes - allExperts + touched * e.BytesPerExpert, actBytes * scale + kvBytes, pairs, InputRows(index, groupTokens, pairs), touched);
            sum.Seconds += t.Seconds; sum.ComputeSeconds += t.ComputeSeconds; sum.MemorySeconds += t.MemorySeconds;
            sum.LaunchSeconds += t.LaunchSeconds; sum.Flops += t.Flops; sum.Bytes += t.Bytes;
        }
        sum.Seconds /= layers; sum.ComputeSeconds /= layers; sum.MemorySeconds /= layers; sum.LaunchSeconds /= layers;
        sum.Flops /= layers; sum.Bytes /= layers;
        sum.Bound = sum.LaunchSeconds > Math.Max(sum.ComputeSeconds, sum.MemorySeconds) ? Bound.Launch
            : sum.ComputeSeconds >= sum.MemorySeconds ? Bound.Compute : Bound.Memory;
        return sum;
    }

    /// <summary>
    /// Routed experts at a batch: T tokens of the routing group each pick k of E experts. This GPU's L experts
    /// are each touched with probability 1 - (1 - k/E)^T, so it streams the weights of E_hit = L (1 - (1 - k/E)^T)
    /// experts ("reuse fragmentation": at small T each streamed expert serves few tokens). Token-expert pairs
    /// landing on one GPU have mean T k L / E; the busiest of the E / L GPUs sets the time
    /// (<see cref="RoutingSkew.BusiestPairs"/>: binomial spread, plus the experts' skewed popularity under the
    /// profile's routing_skew).
    /// </summary>
    private (double Flops, double WeightBytes, double ActBytes, double Pairs, double GroupTokens, double Touched) MoeWork(PlanEntry e, int index, double flops, double weightBytes, double actBytes)
    {
        double groupTokens = GroupTokens(e);
        double allExperts = e.LocalExperts * e.BytesPerExpert;
        if (groupTokens <= 0 || e.Experts <= 0) return (flops, weightBytes - allExperts, actBytes, 0, groupTokens, 0);
        double pick = Math.Min(1.0, e.TopK / e.Slots);      // chance a token's pairs land in a given slot
        double hit = 1 - Math.Exp(groupTokens * Math.Log(1 - Math.Min(pick, 1 - 1e-12)));
        double touched = e.LocalExperts * hit;
        double mean = MeanPairs(e, groupTokens);
        double scale = BusiestOverMean(e, index, groupTokens);
        double busiest = mean * scale;
        if (e.LocalExperts < e.Slots) touched = Math.Max(touched, BusiestTouched(e.LocalExperts, busiest));
        // Replace the routed experts' average share (as the IR states it) by the busiest GPU's, and their
        // full weights by the experts actually touched; other members of a fused kernel keep their cost.
        return (flops + (busiest - mean) * e.FlopsPerPair, weightBytes - allExperts + touched * e.BytesPerExpert, actBytes * scale, busiest, groupTokens, touched);
    }

    /// <summary>
    /// The experts the busiest expert-parallel GPU streams: its <paramref name="pairs"/> token-expert pairs spread over its
    /// <paramref name="localExperts"/> experts touch L (1 - (1 - 1/L)^P) of them. The busiest GPU carries at least one pair
    /// (the pairs are whole and some GPU has one), so P is at least 1. The step waits for that GPU: at batch 1 with one
    /// Mixtral expert per GPU two GPUs each stream a whole expert while the mean GPU streams a quarter of one, which the
    /// mean's touched count (L (1 - (1 - k/E)^T)) had priced. Routing statistics give the same per-GPU count
    /// (<see cref="GraphDsl.Backends.CostModel.Moe.RoutingModel.Busiest"/>: the busiest GPU by its own pairs).
    /// </summary>
    private static double BusiestTouched(double localExperts, double pairs)
    {
        if (localExperts <= 0 || pairs <= 0) return 0;
        double p = Math.Max(1, pairs);
        return localExperts <= 1 ? Math.Min(1, localExperts) : localExperts * (1 - Math.Pow(1 - 1 / localExperts, p));
    }

    /// <summary>Tokens routed in the entry's routing group this step (every data-parallel replica's).</summary>
    private double GroupTokens(PlanEntry e) => e.Tokens.Evaluate(_atoms) * e.TokenGroups;

    /// <summary>Token-expert pairs an expert-parallel GPU carries on average.</summary>
    private static double MeanPairs(PlanEntry e, double groupTokens) => groupTokens * e.TopK * e.LocalExperts / e.Slots;

    /// <summary>The busiest GPU's token-expert pairs over the mean for an MoE entry, which sets its expert GEMMs and
    /// the expert-parallel all-to-alls feeding it (they end when that GPU has received and sent back its tokens).
    /// Routing is drawn afresh by every forward pass, and an engine runs a long prefill as passes of at most
    /// max_batched_tokens per replica: the share is that of one such pass. Kept per entry for the last token count,
    /// since the entry's all-to-alls ask again at the same count.</summary>
    private double BusiestOverMean(PlanEntry e, int index, double groupTokens)
    {
        if (e.LocalExperts >= e.Slots || MeanPairs(e, groupTokens) <= 0) return 1;
        if (_shareTokens[index] != groupTokens)
        {
            double pass = Math.Min(groupTokens, _eff.MaxBatchedTokens * _plan.Layout.Dp);
            // Redundant slots are there because EPLB placed replicas of the popular experts: the expected popularity
            // is balanced, and only the step's sampling spread is left (routing statistics give the measured rest).
            double skew = e.Slots > e.Experts ? 0 : _eff.RoutingSkew;
            _share[index] = RoutingSkew.BusiestPairs(pass, e.TopK, e.Slots, e.LocalExperts, skew, _maxNormal[index]) / MeanPairs(e, pass);
            _shareTokens[index] = groupTokens;
        }
        return _share[index];
    }
}
