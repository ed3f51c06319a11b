using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>
/// Predicts serving: prefill of the batch's prompts and a request's time to first token, one decode step at the context (TPOT),
/// throughput, memory and feasibility, the largest batch that fits, the throughput under a TPOT SLO,
/// and the per-op breakdown with each op's bound.
/// </summary>
public sealed class Predictor
{
    private readonly CompiledDeployment _compiled;
    private readonly Cluster _cluster;
    private readonly EfficiencyProfile _eff;
    private readonly StepEvaluator _prefill;
    private readonly StepEvaluator _decode;

    public Predictor(CompiledDeployment compiled, Cluster cluster, EfficiencyProfile eff)
    {
        _compiled = compiled; _cluster = cluster; _eff = eff;
        _prefill = new StepEvaluator(compiled.PrefillPlan, cluster, eff);
        _decode = new StepEvaluator(compiled.DecodePlan, cluster, eff);
        // A placement from the place-experts pass travels in the IR with its statistics.
        var (routing, problem) = GraphDsl.Backends.CostModel.Moe.IrRouting.Read(compiled.Module);
        if (problem is not null) throw new ArgumentException("expert placement in the IR: " + problem);
        Routing = routing;
    }

    public ParallelLayout Layout => _compiled.DecodePlan.Layout;

    public CompiledDeployment Compiled => _compiled;

    /// <summary>Routing statistics (and placement) to cost MoE layers with instead of uniform routing.</summary>
    public GraphDsl.Backends.CostModel.Moe.RoutingModel? Routing
    {
        get => _decode.Routing;
        set { _decode.Routing = value; _prefill.Routing = value; }
    }

    /// <summary>Binds routing statistics to this deployment with <paramref name="placement"/>, by default the contiguous one
    /// over the EP group (E / ep experts per GPU, as engines place them without a balancer); returns the problems when the
    /// statistics do not match the model. A layout with redundant expert slots needs a placement of its replicas: the
    /// contiguous one left them out, and the busiest GPU carried its hot experts' whole load as if no replica shared it. A
    /// module the place-experts pass placed keeps that placement, priced with <paramref name="stats"/>' loads.</summary>
    public IReadOnlyList<string> UseRouting(GraphDsl.Backends.CostModel.Moe.RoutingStats stats, GraphDsl.Backends.CostModel.Moe.ExpertPlacement? placement = null)
    {
        var layers = GraphDsl.Backends.CostModel.Moe.MoeLayers.Of(_compiled.Module);
        if (layers.Count == 0) return new[] { "the model has no MoE layer to apply routing statistics to" };
        var errors = stats.ValidateFor(_compiled.Module.Name, layers);
        if (errors.Count > 0) return errors;
        // The place-experts pass's placement, read from the IR, is the one the pipeline made.
        placement ??= Routing?.Placement;
        if (placement is null && GraphDsl.Backends.CostModel.Moe.IrRouting.RedundantSlots(_compiled.Module) is var redundant && redundant > 0)
            return new[] { $"the layout's {redundant} redundant expert slots need a placement of their replicas (place-experts, or graphdsl place)" };
        placement ??= GraphDsl.Backends.CostModel.Moe.ExpertPlacement.Contiguous(layers.Count, layers[0].Experts, Math.Max(1, Layout.Ep));
        Routing = new GraphDsl.Backends.CostModel.Moe.RoutingModel(stats, placement);
        return Array.Empty<string>();
    }

    /// <summary>Checks the deployment against the cluster; returns the problem or null.</summary>
    public static string? CheckFits(Deployment d, Cluster c)
    {
        var l = d.Layout;
        return (long)l.Tp * l.Dp * l.Pp != c.Gpus ? $"tp x dp x pp = {l.Tp} x {l.Dp} x {l.Pp} = {(long)l.Tp * l.Dp * l.Pp} GPUs, but the cluster has {c.Gpus} ({c.Nodes} node(s) of {c.GpusPerNode} GPU(s))" : null;
    }

    /// <summary>The whole batch's prefill: every replica's <paramref name="batchPerReplica"/> prompts, priced as one step.
    /// A static batch (no request decodes before the whole batch is prefilled) gets its first tokens then.</summary>
    public double BatchPrefillSeconds(double batchPerReplica, double prompt) => _prefill.Evaluate(batchPerReplica, prompt, prompt).Seconds;

    /// <summary>A request's time to first token, the mean over the batch when the engine prefills it in passes of
    /// max_batched_tokens per replica (<see cref="PrefillPasses"/>).</summary>
    public double RequestTtftSeconds(long batchPerReplica, long prompt) =>
        RequestTtftSeconds(BatchPrefillSeconds(batchPerReplica, prompt), batchPerReplica, prompt);

    private double RequestTtftSeconds(double batchPrefillSeconds, long batchPerReplica, long prompt) =>
        PrefillPasses.MeanTtftSeconds(batchPrefillSeconds, _eff.PrefillSeconds, batchPerReplica, prompt, PassTokens);

    private long PassTokens => PrefillPasses.PassTokens(_eff);

    public double TpotSeconds(double batchPerReplica, double context) => _decode.Evaluate(batchPerReplica, 1, context).Seconds;

    /// <summary>Memory of the fullest GPU at <paramref name="batchPerReplica"/> sequences of <paramref name="context"/> tokens
    /// (prompts of <paramref name="prompt"/> tokens size the workspace), with what a speculative drafter adds
    /// (<see cref="DrafterFootprint"/>): the memory core that <see cref="Predict"/> and <see cref="SweepEvaluator"/> share.</summary>
    public MemoryPlan Memory(double batchPerReplica, double context, double prompt, IReadOnlyList<(double WeightBytes, double KvBytesPerToken)>? drafter = null) =>
        MemoryPlan.For(_compiled.DecodePlan, _cluster, _eff, batchPerReplica, context, prompt, drafter);

    private StepEvaluator? _draft;
    private CompiledDeployment? _draftModel;

    /// <summary>
    /// One speculative-decoding step at <paramref name="batchPerReplica"/> sequences with <paramref name="context"/> tokens
    /// cached: K draft passes one after another (the decode step of the model's MTP part or of the draft model) and one
    /// verify pass of the target over K + 1 positions per sequence. A step yields <see cref="Speculation.Acceptance"/>
    /// tokens per sequence, so the time per output token is this over the acceptance.
    /// </summary>
    public double SpeculativeStepSeconds(double batchPerReplica, double context, Speculation s)
    {
        var (draft, verify) = SpeculativeStep(batchPerReplica, context, s);
        return draft + verify;
    }

    /// <summary>The K draft passes and the verify pass of one speculative step, in seconds.</summary>
    public (double Draft, double Verify) SpeculativeStep(double batchPerReplica, double context, Speculation s)
    {
        double verify = _decode.Evaluate(batchPerReplica, s.DraftTokens + 1, context).Seconds;
        double pass = Drafter(s).Evaluate(batchPerReplica, 1, context).Seconds;
        return (s.DraftTokens * pass, verify);
    }

    /// <summary>What the drafter adds to each pipeline stage's GPUs: weights, and KV bytes per token at
    /// <paramref name="context"/>.</summary>
    public (double WeightBytes, double KvBytesPerToken)[] DrafterFootprint(Speculation s, double context) =>
        DrafterMemory.Of(DraftModel(s), sharesWithTarget: s.Kind == "mtp", _compiled, context);

    /// <summary>The drafter compiled on this deployment, or why there is none.</summary>
    private CompiledDeployment DraftModel(Speculation s) => s.DraftModel ?? throw new ArgumentException(s.Kind == "mtp"
        ? $"--speculative mtp: {_compiled.Module.Name} declares no multi-token-prediction module (a 'model NAME for {_compiled.Module.Name}' in its file)"
        : "--speculative draft: no draft model given");

    private StepEvaluator Drafter(Speculation s)
    {
        var model = DraftModel(s);
        if (_draft is null || !ReferenceEquals(_draftModel, model)) (_draft, _draftModel) = (new StepEvaluator(model.DecodePlan, _cluster, _eff), model);
        return _draft;
    }

    public Prediction Predict(Workload w, bool details = true)
    {
        if (w.Problem() is { } problem) throw new ArgumentException(problem);
        var layout = Layout;
        if (w.Batch % layout.Dp != 0) throw new ArgumentException($"the batch ({w.Batch}) must be a multiple of dp ({layout.Dp}): each attention replica serves batch / dp sequences");
        double br = (double)w.Batch / layout.Dp;
        int nanobatches = _compiled.DecodePlan.Nanobatches;
        if (nanobatches > 1 && (w.Batch / layout.Dp) % nanobatches != 0)
            throw new ArgumentException($"the batch per replica ({w.Batch / layout.Dp}) must be a multiple of the overlap pass's {nanobatches} nano-batches");
        var prefillDetails = details ? new OpTiming[_compiled.PrefillPlan.Entries.Length] : null;
        var decodeDetails = details ? new OpTiming[_compiled.DecodePlan.Entries.Length] : null;
        var pre = _prefill.Evaluate(br, w.Prompt, w.Prompt, prefillDetails);
        var dec = _decode.Evaluate(br, 1, w.Context, decodeDetails);
        var spec = w.Speculation;
        var drafter = spec is null ? null : DrafterFootprint(spec, w.Context);
        var memory = Memory(br, w.Context, w.Prompt, drafter);
        // Seconds per output token per sequence: the decode step, or a speculative step over the tokens it keeps.
        Func<double, double, double> tpot = spec is null ? TpotSeconds : (b, c) => SpeculativeStepSeconds(b, c, spec) / spec.Acceptance;
        SpeculativeReport? specReport = null;
        if (spec is not null)
        {
            var (draft, verify) = SpeculativeStep(br, w.Context, spec);
            // Per GPU: what the drafter adds to the stage it weighs most on (the only one when there is one stage).
            var most = drafter!.MaxBy(x => x.WeightBytes);
            specReport = new SpeculativeReport(spec.Kind, spec.DraftTokens, spec.Acceptance, draft * 1e3, verify * 1e3, most.WeightBytes, most.KvBytesPerToken);
        }
        // The largest batch the engine admits: its KV cache at the context, or at the full length each sequence reserved on
        // admission (profiles.json admission).
        // The memory plan at the full length, prompt + output, is planned once: under no-evict admission the admitted batch
        // and the end-to-end check below both ask it.
        double fullLength = (double)w.Prompt + w.Output;
        MemoryPlan? atFullLength = null;
        MemoryPlan At(double tokens) => tokens == w.Context ? memory : tokens == fullLength
            ? atFullLength ??= Memory(br, fullLength, w.Prompt, drafter) : Memory(br, tokens, w.Prompt, drafter);
        double admitted = _eff.Admission.TokensPerSequence(w.Context, w.Prompt, w.Output);
        long maxPerReplica = At(admitted).MaxBatchPerReplica;
        long maxBatch = maxPerReplica == long.MaxValue ? long.MaxValue : maxPerReplica * layout.Dp;

        double? output = null;
        string? outputLimit = null;
        if (w.Output > 0)
        {
            // The end-to-end figure needs every sequence's KV cache at its full length (prompt + output) at the end of
            // the run; a batch that cannot hold it never finishes that run, so there is no throughput to report.
            // A batch that does not fit at the context has no throughput either (as its decode tokens/s): 405B in BF16 on
            // one H100 printed an output throughput beside "does not fit", from weights that cannot be loaded.
            var atEnd = At(fullLength);
            if (!memory.Feasible) outputLimit = "does not fit";
            else if (!atEnd.Feasible)
                outputLimit = $"the batch's KV cache at prompt + output ({fullLength:0} tokens per sequence, {atEnd.KvBytes / 1e9:F1} GB per GPU) does not fit the GPU's memory";
            else
            {
                var mid = tpot(br, w.Prompt + w.Output / 2.0);
                output = w.Batch * w.Output / (pre.Seconds + w.Output * mid);
            }
        }
        long? sloBatch = null;
        double? sloTput = null;
        if (w.TpotSloMs is { } slo && maxPerReplica > 0)
        {
            long best = LargestBatchUnder(slo / 1e3, w.Context, Math.Min(maxPerReplica, 1L << 20), tpot);
            if (best > 0)
            {
                sloBatch = best * layout.Dp;
                sloTput = sloBatch / tpot(best, w.Context);
            }
            else sloBatch = 0;
        }
        return new Prediction
        {
            Model = _compiled.Module.Name,
            Device = _cluster.Device.Id,
            Gpus = _cluster.Gpus,
            Nodes = _cluster.Nodes,
            Deployment = _compiled.Deployment,
            Workload = w,
            Profile = _eff.Name,
            CudaGraphs = _eff.CudaGraphs,
            Routing = !_compiled.DecodePlan.Entries.Any(e => e.IsMoe) ? "" : Routing is not null ? "statistics"
                : _eff.RoutingSkew > 0 ? $"power-law {_eff.RoutingSkew.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}" : "uniform",
            Pipeline = _compiled.Pipeline,
            Emulated = _compiled.DecodePlan.Entries
                .Select(e => (e.WeightFormat, Math: StepEvaluator.EmulatedIn(_cluster.Device, e)))
                .Where(x => x.Math is not null).Distinct()
                .Select(x => $"{x.WeightFormat} weights emulated in {x.Math} (no {x.WeightFormat} math on {_cluster.Device.Id}: dequantized)").ToList(),
            Feasible = memory.Feasible,
            Reasons = memory.Reasons,
            Memory = memory,
            MaxBatch = maxBatch,
            Admission = _eff.Admission,
            AdmissionTokensPerSequence = admitted,
            Prefill = Phase(pre),
            TtftMs = RequestTtftSeconds(pre.Seconds, w.Batch / layout.Dp, w.Prompt) * 1e3,
            PrefillPassCount = PrefillPasses.Count(w.Batch / layout.Dp, w.Prompt, PassTokens),
            Decode = Phase(dec),
            Speculative = specReport,
            DecodeTokensPerSecond = w.Batch / (specReport is null ? dec.Seconds : specReport.TpotMs / 1e3),
            OutputTokensPerSecond = output,
            OutputLimit = outputLimit,
            SloBatch = sloBatch,
            SloTokensPerSecond = sloTput,
            DecodeOps = details ? Report(_compiled.DecodePlan, decodeDetails!) : new List<OpReport>(),
            PrefillOps = details ? Report(_compiled.PrefillPlan, prefillDetails!) : new List<OpReport>(),
        };
    }

    /// <summary>Largest batch per replica whose decode step meets the SLO (step time grows with batch).</summary>
    public long LargestBatchUnder(double sloSeconds, double context, long limit) => LargestBatchUnder(sloSeconds, context, limit, TpotSeconds);

    private static long LargestBatchUnder(double sloSeconds, double context, long limit, Func<double, double, double> tpot)
    {
        if (limit < 1 || tpot(1, context) > sloSeconds) return 0;
        long lo = 1, hi = limit;
        while (lo < hi)
        {
            long mid = lo + (hi - lo + 1) / 2;
            if (tpot(mid, context) <= sloSeconds) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    private static PhaseReport Phase(StepTime t) =>
        new(t.Seconds * 1e3, t.ComputeSeconds * 1e3, t.MemorySeconds * 1e3, t.CommSeconds * 1e3, t.LaunchSeconds * 1e3, t.SerialSeconds * 1e3,
            t.HostDispatchSeconds * 1e3, t.HostStepSeconds * 1e3);

    /// <summary>The two-stream schedules of one prefill and one decode step at the workload, loops unrolled (for traces).</summary>
    public (List<StreamEvent> Prefill, List<StreamEvent> Decode) Schedule(Workload w)
    {
        double br = (double)w.Batch / Layout.Dp;
        return (Unrolled(_prefill, _compiled.PrefillPlan, br, w.Prompt, w.Prompt), Unrolled(_decode, _compiled.DecodePlan, br, 1, w.Context));
    }

    private static List<StreamEvent> Unrolled(StepEvaluator evaluator, CostPlan plan, double batch, double seq, double ctx)
    {
        var timings = new OpTiming[plan.Entries.Length];
        evaluator.Evaluate(batch, seq, ctx, timings);
        var events = new List<StreamEvent>();
        new StreamSchedule(plan).Run(timings, events);
        return events;
    }

    /// <summary>Ops grouped by layer group, weight path and op name, summed over a step, largest first.</summary>
    private static List<OpReport> Report(CostPlan plan, OpTiming[] timings)
    {
        var rows = new Dictionary<string, (PlanEntry E, double Count, double Seconds, double Flops, double Bytes, Bound Bound, double BoundSeconds)>();
        for (int i = 0; i < plan.Entries.Length; i++)
        {
            var e = plan.Entries[i];
            var t = timings[i];
            if (!e.IsKernel) continue;
            var key = e.Group + "|" + Label(e);
            rows.TryGetValue(key, out var r);
            double seconds = t.Seconds * e.Multiplicity;
            var bound = r.BoundSeconds >= seconds ? r.Bound : t.Bound;
            rows[key] = (e, r.Count + e.Multiplicity, r.Seconds + seconds, r.Flops + t.Flops * e.Multiplicity, r.Bytes + t.Bytes * e.Multiplicity,
                bound, Math.Max(r.BoundSeconds, seconds));
        }
        return rows.Values.OrderByDescending(r => r.Seconds)
            .Select(r => new OpReport(Label(r.E), r.E.Op, r.E.Group, r.Count, r.Seconds * 1e3, r.Flops, r.Bytes, r.Bound)).ToList();
    }

    private static string Label(PlanEntry e)
    {
        var src = e.Source;
        var weights = src?.Operands.Where(v => GraphDsl.Ir.Ops.OpCosts.IsWeight(v) && v.Owner is not null)
            .Select(v => v.Owner!.Attributes.GetString("name") ?? "").ToList() ?? new List<string>();
        var path = e.Path.Length > 0 ? e.Path + "." : "";
        var what = src?.Def.Structure == GraphDsl.Ir.Ops.OpStructure.Kernel ? src.Attributes.GetString("kind") ?? e.Op : e.Op;
        if (weights.Count == 0) return $"{path}{what}";
        return $"{path}{CommonPrefix(weights)} ({what})";
    }

    /// <summary>The longest dotted prefix the names share (mlp.w_gate, mlp.w_up -> mlp), or the first name.</summary>
    private static string CommonPrefix(List<string> names)
    {
        if (names.Count == 1) return names[0];
        var parts = names.Select(n => n.Split('.')).ToList();
        int k = 0;
        while (k < parts.Min(p => p.Length) - 1 && parts.All(p => p[k] == parts[0][k])) k++;
        return k == 0 ? names[0] : string.Join(".", parts[0].Take(k));
    }
}
