using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Plan;

/// <summary>What one pipeline stage holds in memory per GPU, independent of the workload.</summary>
public sealed class StageMemory
{
    public double WeightBytes { get; set; }
    /// <summary>KV bytes one token adds to full-context caches.</summary>
    public double KvBytesPerToken { get; set; }
    /// <summary>Sliding-window caches: bytes per token and the window they keep.</summary>
    public List<(double BytesPerToken, long Window)> WindowedKv { get; } = new();
    public double HostWeightBytes { get; set; }
    /// <summary>Recurrent state bytes per sequence (state-space and linear-attention layers): constant in the context.</summary>
    public double StateBytesPerSequence { get; set; }
    /// <summary>What a sequence holds of the values computed once per request and read by every decode step
    /// (<see cref="StepDependence.Held"/>: an encoder-decoder's cross-attention keys and values), per context token and
    /// beside that; 0 for decoder-only models.</summary>
    public double RequestCacheBytesPerToken { get; set; }
    public double RequestCacheBytesPerSequence { get; set; }

    /// <summary>The cache a sequence of <paramref name="context"/> tokens holds: its KV cache and its per-request cache.</summary>
    public double KvBytesPerSequence(double context) =>
        KvBytesPerToken * context + WindowedKv.Sum(w => w.BytesPerToken * Math.Min(context, w.Window)) + RequestCacheBytesPerSequenceAt(context);

    /// <summary>The part of <see cref="KvBytesPerSequence"/> that is the per-request cache.</summary>
    public double RequestCacheBytesPerSequenceAt(double context) =>
        RequestCacheBytesPerToken * context + RequestCacheBytesPerSequence;
}

/// <summary>
/// A per-GPU module lowered once into flat arrays for one phase (prefill or decode): every op with its
/// compiled cost polynomials and multiplicity. A sweep evaluates thousands of workloads against one
/// plan without walking the graph or allocating.
/// </summary>
public sealed class CostPlan
{
    private CostPlan(PlanEntry[] entries, PlanEntry[] requestEntries, AtomTable atoms, StageMemory[] stages, ParallelLayout layout, int nanobatches, CostPhase phase, ScheduleLoop schedule)
    {
        Entries = entries; Atoms = atoms; Stages = stages; Layout = layout; Nanobatches = nanobatches; Phase = phase; Schedule = schedule;
        RequestEntries = requestEntries;
        AllEntries = requestEntries.Length == 0 ? entries : entries.Concat(requestEntries).ToArray();
        HasAsync = entries.Any(e => e.Async != AsyncRole.None);
        KernelLaunches = entries.Where(e => e.IsKernel).Sum(e => e.Multiplicity);
    }

    /// <summary>Kernels one step launches (views and waits are not kernels).</summary>
    public double KernelLaunches { get; }

    /// <summary>The entries in program order with their repeat loops (for the stream schedule and traces).</summary>
    public ScheduleLoop Schedule { get; }

    /// <summary>Whether any collective is asynchronous, so the step needs the two-stream schedule.</summary>
    public bool HasAsync { get; }

    public CostPhase Phase { get; }

    public PlanEntry[] Entries { get; }
    /// <summary>A decode plan's ops that run once per request, at prefill, and not in its step (<see cref="StepDependence"/>:
    /// an encoder-decoder's encoder and cross-attention key/value projections); empty for prefill plans and decoder-only
    /// models. The memory plan sizes the prefill workspace over them too.</summary>
    public PlanEntry[] RequestEntries { get; }
    /// <summary><see cref="Entries"/> then <see cref="RequestEntries"/>: every op a request runs, for workspace sizing.</summary>
    public PlanEntry[] AllEntries { get; }
    public AtomTable Atoms { get; }
    public StageMemory[] Stages { get; }
    /// <summary>The layout the module was parallelized with (its tp, ep, dp and pp attributes).</summary>
    public ParallelLayout Layout { get; }
    /// <summary>Nano-batches the overlap pass split each batch into (1: not split); the batch per replica must be a multiple.</summary>
    public int Nanobatches { get; }

    /// <summary>Lowers a parallelized (or single-GPU) flat module for <paramref name="phase"/>.</summary>
    public static CostPlan Compile(Module m, CostPhase phase, AtomTable? shared = null)
    {
        if (m.Functions.Count > 0) throw new InvalidOperationException("the cost model needs a flat module: run 'inline' first");
        var layout = ParallelLayout.Of(m);
        int nanobatches = (int)(m.Attributes.GetInt("nanobatches")?.AsConst ?? 1);
        var param = IrBuilder.Resolver(m);
        var atoms = shared ?? new AtomTable();
        var stages = Enumerable.Range(0, layout.Pp).Select(_ => new StageMemory()).ToArray();
        var entries = new List<PlanEntry>();
        var requestEntries = new List<PlanEntry>();
        var dependence = StepDependence.Analyze(m);
        var walkStage = new List<int>();
        var schedule = new ScheduleBuilder(m.Body, param);
        var entryOf = new Dictionary<Operation, int>();
        int moeLayer = 0;
        var pipelineStages = PipelineStages.Of(m);
        int walkIndex = -1;
        foreach (var w in ModelWalker.Walk(m))
        {
            walkIndex++;
            var op = w.Op;
            int s = pipelineStages.StageOf(op);
            walkStage.Add(s);
            var mem = stages[s];
            if (op.Def.Structure == OpStructure.Weight)
            {
                var bytes = (Poly.From(op.Result.Type.Shape.NumElements(), param)?.ConstantTerm ?? 0) * op.Result.Type.DType.BytesPerElement;
                // A tied embedding is held by the first stage and by the last, whose LM head reads it.
                foreach (var holder in pipelineStages.Holding(op)) stages[holder].WeightBytes += bytes * w.Multiplicity;
                continue;
            }
            if (op.Def.IsStateful)
            {
                var perToken = AttentionOps.BytesPerToken(op, param).ConstantTerm * w.Multiplicity;
                var window = op.Attributes.GetInt("window")?.Evaluate(param, _ => null) ?? 0;
                if (window > 0) mem.WindowedKv.Add((perToken, window)); else mem.KvBytesPerToken += perToken;
            }
            if (op.Def.RecurrentState is { } state) mem.StateBytesPerSequence += state(op, param) * w.Multiplicity;
            if (op.Def.HasRoutedWeights && MoeCopy(op) == 0) mem.WeightBytes += ReplicaBytes(op, param, phase, layout) * w.Multiplicity;
            if (op.Def.Cost is null || w.InsideKernel) continue;
            var cost = op.Def.Cost(new CostContext(op, param, phase));
            // Computed once per request at prefill: out of the decode step, kept for the workspace (its MoE layers keep their numbers).
            if (phase == CostPhase.Decode && dependence.OncePerRequest(walkIndex))
            {
                requestEntries.Add(Lower(op, cost, w, s, atoms, moeLayer, -1, param));
                if (cost.Moe is not null && MoeCopy(op) == 0) moeLayer += (int)w.Multiplicity;
                continue;
            }
            int startEntry = op.Def.Structure == OpStructure.AsyncWait && op.Operands[0].Owner is { } start && entryOf.TryGetValue(start, out var si) ? si : -1;
            if (op.Def.Structure == OpStructure.AsyncWait && startEntry < 0) throw new InvalidOperationException("comm.wait whose comm.start is not in the plan");
            entryOf[op] = entries.Count;
            schedule.Add(op, entries.Count);
            // Nano-batch copies of an MoE layer (overlap) are the same layers as the copy before them.
            int copy = MoeCopy(op);
            int layerStart = copy > 0 ? moeLayer - (int)w.Multiplicity : moeLayer;
            entries.Add(Lower(op, cost, w, s, atoms, layerStart, startEntry, param));
            if (cost.Moe is not null && copy == 0) moeLayer += (int)w.Multiplicity;
        }
        if (walkIndex + 1 != dependence.Of.Count) throw new InvalidOperationException("the step-dependence analysis walked the module differently from the model walker");
        LinkDispatchToLayers(entries);
        foreach (var held in dependence.Held)
        {
            var (perToken, perSequence) = RequestValueBytes.Of(held, param);
            stages[walkStage[held.Consumer]].RequestCacheBytesPerToken += perToken;
            stages[walkStage[held.Consumer]].RequestCacheBytesPerSequence += perSequence;
        }
        return new CostPlan(entries.ToArray(), requestEntries.ToArray(), atoms, stages, layout, nanobatches, phase, schedule.Root);
    }

    /// <summary>
    /// Ties each expert-parallel all-to-all (dispatch and combine) to the MoE entry it carries tokens to or from: the MoE
    /// that reads its result (a dispatch; through its comm.wait once the overlap pass made it asynchronous) or whose result
    /// it sends (a combine). A layer split into nano-batches holds one MoE per nano-batch in one region, and each
    /// nano-batch's exchanges belong to its own copy (linking them all to the region's first copy left the others priced as
    /// if no all-to-all fed them, taking in every token of the routing group). An all-to-all the data flow does not reach
    /// keeps the region's first MoE.
    /// </summary>
    private static void LinkDispatchToLayers(List<PlanEntry> entries)
    {
        var moeOf = new Dictionary<Region, int>();
        var fedBy = new Dictionary<Operation, int>();   // a dispatch (or its start) -> the MoE reading its result
        var moeAt = new Dictionary<Operation, int>();   // an MoE op -> its entry
        for (int i = 0; i < entries.Count; i++)
        {
            if (!entries[i].IsMoe || entries[i].Source is not { } moe) continue;
            if (moe.ParentRegion is { } r && !moeOf.ContainsKey(r)) moeOf[r] = i;
            moeAt[moe] = i;
            foreach (var v in moe.Operands)
                if (v.Owner is { } producer)
                    fedBy[producer.Def.Structure == OpStructure.AsyncWait && producer.Operands[0].Owner is { } start ? start : producer] = i;
        }
        foreach (var e in entries)
        {
            if (e.Collective != CollectiveKind.AllToAll || e.CommAxis != "ep" || e.Source is not { } op) continue;
            if (fedBy.TryGetValue(op, out var dispatched)) e.RoutedEntry = dispatched;
            else if (op.Operands[0].Owner is { } sent && moeAt.TryGetValue(sent, out var combined)) e.RoutedEntry = combined;
            else if (op.ParentRegion is { } r && moeOf.TryGetValue(r, out var first)) e.RoutedEntry = first;
        }
    }

    /// <summary>The nano-batch index of an MoE op (or the MoE op a fused kernel holds); 0 for the layer's primary copy.</summary>
    private static int MoeCopy(Operation op)
    {
        var experts = op.Def.HasRoutedWeights ? op : op.Def.Structure == OpStructure.Kernel ? op.Regions[0].Ops.FirstOrDefault(m => m.Def.HasRoutedWeights) : null;
        return experts is null ? 0 : (int)GraphDsl.Backends.CostModel.Moe.IrRouting.Nanobatch(experts);
    }

    /// <summary>Weight bytes of the replicas a placement adds to each GPU beyond its own E / ep experts.</summary>
    private static double ReplicaBytes(Operation experts, System.Func<string, long?> param, CostPhase phase, ParallelLayout layout)
    {
        if (experts.Attributes.Get("placement") is not ListAttr map) return 0;
        var moe = experts.Def.Cost!(new CostContext(experts, param, phase)).Moe;
        long layers = Math.Max(1, (experts.Attributes.Get("expert_tokens") as ListAttr)?.Items.Count / Math.Max(1, (int)moe!.Experts) ?? 1);
        double slots = (double)map.Items.Count / layers / Math.Max(1, layout.Ep);
        return Math.Max(0, slots - moe!.LocalExperts) * moe.BytesPerExpert;
    }

    private static PlanEntry Lower(Operation op, OpCost cost, WalkedOp w, int stage, AtomTable atoms, int moeLayer, int startEntry, System.Func<string, long?> param)
    {
        var (heads, kvHeads, wideKv) = AttentionHeads(op, param);
        CompiledPoly C(Poly p) => CompiledPoly.Compile(p, atoms);
        bool isKernel = !(cost.Flops.IsConstant && cost.Flops.ConstantTerm == 0 && cost.TotalBytes.IsConstant && cost.TotalBytes.ConstantTerm == 0
                          && cost.CommBytes.IsConstant && cost.CommBytes.ConstantTerm == 0);
        var moe = cost.Moe;
        return new PlanEntry
        {
            Op = op.Name,
            Group = w.Group,
            Path = w.Path,
            Multiplicity = w.Multiplicity,
            Stage = stage,
            Class = cost.Class,
            IsKernel = isKernel,
            ComputeType = ComputeType(op, cost.Class),
            KernelKind = KernelKind(op, cost),
            WeightFormat = WeightFormat(op, cost.Class, out var elementBytes),
            WeightElementBytes = elementBytes,
            Flops = C(cost.Flops),
            WeightBytes = C(cost.WeightBytes),
            ActivationBytes = C(cost.ActivationBytes),
            InternalBytes = C(cost.InternalBytes),
            KvBytes = C(cost.KvBytes),
            CommBytes = C(cost.CommBytes),
            GemmM = cost.Gemm is null ? CompiledPoly.Zero : C(cost.Gemm.M),
            GemmK = cost.Gemm?.K ?? 0,
            GemmN = cost.Gemm?.N ?? 0,
            IsMoe = moe is not null,
            Experts = moe?.Experts ?? 0,
            TopK = moe?.TopK ?? 0,
            LocalExperts = moe?.LocalExperts ?? 0,
            Slots = moe is null ? 0 : moe.Slots > 0 ? moe.Slots : moe.Experts,
            TokenGroups = moe?.TokenGroups ?? 1,
            BytesPerExpert = moe?.BytesPerExpert ?? 0,
            FlopsPerPair = moe?.FlopsPerTokenExpert ?? 0,
            RowWidth = moe?.RowWidth ?? 0,
            ExpertHidden = moe?.ExpertHidden ?? 0,
            GatedExperts = moe?.Gated ?? false,
            MoeElementBytes = moe?.ElementBytes ?? 0,
            Tokens = moe is null ? CompiledPoly.Zero : C(moe.Tokens),
            MoeLayerStart = moeLayer,
            Collective = (op.Def.Structure == OpStructure.AsyncStart ? "comm." + op.Attributes.GetString("collective") : op.Name) switch
            {
                "comm.all_reduce" => CollectiveKind.AllReduce,
                "comm.all_gather" => CollectiveKind.AllGather,
                "comm.reduce_scatter" => CollectiveKind.ReduceScatter,
                "comm.all_to_all" => CollectiveKind.AllToAll,
                "comm.send" => CollectiveKind.Send,
                _ => CollectiveKind.None,
            },
            CommGroup = (int)(op.Attributes.GetInt("group")?.AsConst ?? 1),
            Fanout = (int)(op.Attributes.GetInt("fanout")?.AsConst ?? 1),
            CommAxis = op.Attributes.GetString("axis") ?? (op.Def.FindAttr("axis")?.Default as StrAttr)?.Value ?? "",
            Async = op.Def.Structure == OpStructure.AsyncStart ? AsyncRole.Start : op.Def.Structure == OpStructure.AsyncWait ? AsyncRole.Wait : AsyncRole.None,
            StartEntry = startEntry,
            Fused = op.Def.Structure == OpStructure.AsyncStart && op.Attributes.GetBool("fused") == true,
            SmShare = op.Def.Structure == OpStructure.AsyncStart ? op.Attributes.GetFloat("sm_share") ?? 0 : 0,
            Source = op,
            AttentionHeads = heads,
            AttentionKvHeads = kvHeads,
            AttentionWideKv = wideKv,
        };
    }

    /// <summary>The query and KV heads per sequence of an nn.attention or nn.mla_attention op (or of the one inside a fused kernel), times the
    /// share of the batch its q holds (1/n for a nano-batch), and whether its cache holds 16-bit or wider elements; (0, 0, false) for other
    /// ops or where a head count is not static.</summary>
    private static (double Heads, double KvHeads, bool WideKv) AttentionHeads(Operation op, System.Func<string, long?> param)
    {
        static bool IsAttention(Operation o) => o.Def == AttentionOps.Attention || o.Def == AttentionOps.MlaAttention;
        var attention = IsAttention(op) ? op
            : op.Def.Structure == OpStructure.Kernel ? op.Regions[0].Ops.FirstOrDefault(IsAttention) : null;
        if (attention is null) return (0, 0, false);
        var q = attention.Operands[0].Type; var k = attention.Operands[1].Type;
        // MLA's cache holds one latent [b, kv_len, dc] that every query head reads: one KV head.
        long? hq = q.Shape[2].Evaluate(param, _ => null), hkv = attention.Def == AttentionOps.MlaAttention ? 1 : k.Shape[2].Evaluate(param, _ => null);
        if (hq is not > 0 || hkv is not > 0) return (0, 0, false);
        double share = AttentionOps.BatchShare(q.Shape[0], param);
        return (hq.Value * share, hkv.Value * share, AttentionOps.ReadType(attention.Operands[1]).Bits >= 16);
    }

    /// <summary>The first member of a fused kernel that does the given class of work (its main op, whose compute the kernel is priced by).</summary>
    private static Operation? Member(Operation kernel, OpClass cls) => kernel.Regions[0].Ops.FirstOrDefault(m => m.Def.Class == cls);

    /// <summary>
    /// The math a GEMM runs in: the type its act_dtype reads x in when quantize set one (fp8: W8A8 on FP8
    /// tensor cores; bf16: 16-bit math, low-bit weights dequantized into it); otherwise FP8 weights run on
    /// FP8 tensor cores with activations quantized on the fly (W8A8, as FP8 deployments do); FP4 block
    /// formats on FP4 cores where the GPU has them; INT8/INT4 weight-only formats dequantize into 16-bit
    /// math (W8A16/W4A16). Other ops use the activation type; elementwise work runs on the vector units (f32).
    /// </summary>
    public static MathType ComputeType(Operation op, OpClass cls)
    {
        if (op.Def.Structure == OpStructure.Kernel)
        {
            var main = Member(op, OpClass.GroupedGemm) ?? Member(op, OpClass.Attention) ?? Member(op, OpClass.Gemm);
            return main is null ? MathType.F32 : ComputeType(main, main.Def.Class);
        }
        if (cls is OpClass.Gemm or OpClass.GroupedGemm)
        {
            if (op.Attributes.Get("act_dtype") is DTypeAttr { Value: var act }) return ActivationMath(act);
            var w = op.Def.ComputeWeight is { } slot ? op.Operand(slot) : null;
            if (w?.Type.DType.Math is { IsNarrow: true } narrow) return narrow;
            return ActivationMath(op.Operands[0].Type.DType);
        }
        if (cls == OpClass.Attention) return ActivationMath(op.Operands[0].Type.DType);
        return MathType.F32;
    }

    /// <summary>"moe", "gemm", "mla" or "attention" for the kernels whose fixed latency is measured per device and
    /// engine, and the recurrent kinds their ops declare ("gdn", "ssd", "conv1d"); a fused kernel is the kind of its main
    /// op (its attention-class member, else the first member declaring a kind); "" for the rest.</summary>
    public static string KernelKind(Operation op, OpCost cost)
    {
        if (cost.Moe is not null) return "moe";
        if (cost.Class == OpClass.Gemm) return "gemm";
        bool fused = op.Def.Structure == OpStructure.Kernel;
        if (cost.Class != OpClass.Attention)
            return (fused ? op.Regions[0].Ops.FirstOrDefault(m => IsPhased(m.Def.KernelKind)) : op)?.Def.KernelKind is { } own && IsPhased(own) ? own : "";
        var main = fused ? Member(op, OpClass.Attention) : op;
        return main?.Def.KernelKind is "mla" ? "mla" : main?.Def.KernelKind is { } kind && IsPhased(kind) ? kind : "attention";
    }

    /// <summary>Kernel kinds measured per phase (the recurrent ops' kinds, whose prefill and decode are different kernels:
    /// hardware.json keys them KIND_prefill and KIND_decode); the other kinds' measurements serve both phases.</summary>
    public static bool IsPhased(string? kind) => kind is not (null or "gemm" or "moe" or "attention" or "mla");

    /// <summary>The hardware.json key of a kernel kind's fixed latency in a phase.</summary>
    public static string FixedLatencyKey(string kind, CostPhase phase) =>
        IsPhased(kind) ? kind + (phase == CostPhase.Decode ? "_decode" : "_prefill") : kind;

    /// <summary>The low-bit format of a GEMM's weights, if any (the dominant GEMM of a fused kernel).</summary>
    public static MathType? WeightFormat(Operation op, OpClass cls, out double elementBytes)
    {
        elementBytes = 2;
        if (cls is not (OpClass.Gemm or OpClass.GroupedGemm)) return null;
        var gemm = op.Def.Structure == OpStructure.Kernel ? Member(op, OpClass.GroupedGemm) ?? Member(op, OpClass.Gemm) : op;
        var w = gemm?.Def.ComputeWeight is { } slot ? gemm.Operand(slot) : null;
        var t = w?.Type.DType;
        if (t is null) return null;
        elementBytes = t.BytesPerElement;
        return t.Math is { } m && (m.IsWeightOnly || m.IsNarrow) ? m : null;
    }

    /// <summary>The math a GEMM or attention reading activations of type <paramref name="t"/> runs in: its own for plain
    /// float types (f32, f16, bf16, scalar FP8), 16-bit otherwise.</summary>
    private static MathType ActivationMath(DType t) => t.IsFloat && !t.IsBlockScaled && t.Math is { } m ? m : MathType.Bf16;
}
