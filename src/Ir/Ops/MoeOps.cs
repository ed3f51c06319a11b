using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>Mixture-of-experts: routing and the routed expert FFNs.</summary>
public static class MoeOps
{
    // Stacked expert weights [E, in, out]: GEMM matrices with fan-in on axis 1. Expert tensor parallelism splits
    // the hidden axis: gate/up's columns, down's rows, the gate/up biases; the down bias is added once.
    private static readonly WeightUse HiddenColumns = new(InitRole.Projection, gemmMatrix: true, fanInAxis: 1, splitAxis: 2);
    private static readonly WeightUse HiddenRows = new(InitRole.Projection, gemmMatrix: true, fanInAxis: 1, splitAxis: 1);
    private static readonly WeightUse HiddenBias = new(InitRole.Bias, splitAxis: 1);

    public static readonly OpDef Route = new("moe.route",
        "Picks top_k experts per token from router logits [..., experts]; returns f32 weights [..., top_k] and i32 expert ids [..., top_k]. " +
        "softmax or sigmoid scoring, optional renormalization over the chosen k, grouped selection (DeepSeek) and a selection-only bias.")
    {
        Operands = L(In("logits", "[..., experts]"), Opt("bias", "[experts] added to scores for selection only (DeepSeek-V3)").Reads(WeightUse.Bias)),
        Attrs = L(Int("top_k", "experts per token"), Choice("scoring", "score function", "softmax", "softmax", "sigmoid"),
            Bool("norm_topk", "renormalize the chosen weights to sum to 1", true), Float("scale", "multiplier on the final weights", 1.0),
            Int("groups", "expert groups (1: no grouping)", 1), Int("topk_groups", "groups a token may use", 1)),
        ResultNames = L("weights", "indices"),
        Class = OpClass.Routing,
        Fusion = FusionRole.Router,
        Infer = c =>
        {
            var l = c.Operand("logits");
            if (!c.RequireRank("logits", l, 1) || !c.RequireFloat("logits", l)) return null;
            var e = c.Static(l.Shape.Last); var k = c.Int("top_k"); var g = c.Int("groups") ?? 1; var tg = c.Int("topk_groups") ?? 1;
            if (k is null || k <= 0 || (e is not null && k > e))
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, $"moe.route: top_k = {k?.ToString() ?? "?"} must be between 1 and the number of experts ({l.Shape.Last})");
                return null;
            }
            if (g <= 0 || (e is not null && e % g != 0) || tg <= 0 || tg > g)
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, $"moe.route: groups = {g} must divide the {l.Shape.Last} experts and topk_groups = {tg} must be in 1..groups");
                return null;
            }
            if (c.Slot("bias") is { } b && (!c.RequireExactRank("bias", b, 1) || !c.RequireDim("bias", b, 0, l.Shape.Last, "one bias per expert"))) return null;
            var shape = l.Shape.WithLast(c.Dim("top_k")!);
            return new[] { new TensorType(DType.F32, shape), new TensorType(DType.I32, shape) };
        },
        Cost = c =>
        {
            var l = c.Type("logits");
            var e = c.Static(l.Shape.Last);
            return new OpCost
            {
                Class = OpClass.Routing,
                Flops = c.Numel(l) * (4.0 + System.Math.Log(c.Int("top_k") + 1, 2)),
                WeightBytes = c.Bytes(c.Op.Operand("bias")),
                ActivationBytes = c.Bytes(l) + c.Bytes(c.ResultType(0)) + c.Bytes(c.ResultType(1)),
            };
        },
    };

    public static readonly OpDef Experts = new("moe.experts",
        "Runs each token through its chosen experts and sums the outputs by the routing weights. Expert weights are stacked on a " +
        "leading experts axis: w_up [E, dim, hidden], w_down [E, hidden, dim], and w_gate [E, dim, hidden] for gated experts " +
        "(out = act(x w_gate) * (x w_up)); optional biases b_gate/b_up [E, hidden], b_down [E, dim].")
    {
        Operands = L(In("x", "[..., dim]"), In("weights", "f32 [..., top_k]"), In("indices", "i32 [..., top_k]"),
            Opt("w_gate").Reads(HiddenColumns), In("w_up").Reads(HiddenColumns), In("w_down").Reads(HiddenRows),
            Opt("b_gate").Reads(HiddenBias), Opt("b_up").Reads(HiddenBias), Opt("b_down").Reads(WeightUse.Bias)),
        Attrs = L(Choice("act", "activation", "silu", "silu", "gelu", "gelu_tanh", "relu", "swiglu_clamped"),
            Float("alpha", "swiglu_clamped sigmoid slope", 1.702), Float("limit", "swiglu_clamped clamp limit", 7.0),
            Type("act_dtype", "the type the expert GEMMs read x in (set by quantize{activations=...}), as for nn.matmul", required: false),
            Int("ep", "expert-parallel shards: this op holds E/ep of the layer's experts (set by parallelize)", 1),
            Int("redundant", "redundant expert slots of the layer over all its GPUs (set by parallelize): the layer has ep x (slots here) - redundant experts", 0),
            Int("token_groups", "GPUs whose distinct tokens the dispatched experts serve, relative to this op's rows (set by parallelize for all-to-all dispatch)", 1),
            Int("nanobatch", "which nano-batch this copy serves (set by overlap; the copies are one layer sharing its experts)", 0),
            new AttrSpec("placement", AttrKind.IntList, "the logical expert in each physical slot, GPU-major, for each layer run in turn (set by place-experts)"),
            new AttrSpec("expert_tokens", AttrKind.IntList, "tokens routed to each logical expert in the statistics sample, for each layer run in turn (set by place-experts)")),
        RoutedWeightSlots = L("w_gate", "w_up", "w_down", "b_gate", "b_up", "b_down"),
        Class = OpClass.GroupedGemm,
        Fusion = FusionRole.Experts,
        Shard = ShardRule.Experts,
        ComputeWeight = "w_up",
        KernelKind = "moe",
        Infer = c =>
        {
            var x = c.Operand("x"); var w = c.Operand("weights"); var idx = c.Operand("indices");
            var up = c.Operand("w_up"); var down = c.Operand("w_down"); var gate = c.Slot("w_gate");
            if (!c.RequireRank("x", x, 1) || !c.RequireExactRank("w_up", up, 3) || !c.RequireExactRank("w_down", down, 3)) return null;
            if (!c.RequireInt("indices", idx)) return null;
            var rows = new Shape(x.Shape.Dims.Take(x.Rank - 1));
            if (w.Rank != x.Rank || idx.Rank != x.Rank || !c.SameShape(new Shape(w.Shape.Dims.Take(w.Rank - 1)), rows) ||
                !c.SameShape(w.Shape, idx.Shape))
            {
                c.Error(DiagnosticCatalog.ShapeMismatch, $"moe.experts: routing weights {w.Shape} and indices {idx.Shape} must be [..., top_k] over the tokens of x {x.Shape}");
                return null;
            }
            DimExpr e = up.Shape[0], dim = x.Shape.Last, hidden = up.Shape[2];
            if (!c.RequireDim("w_up", up, 1, dim, "expert input size must match x") ||
                !c.RequireDim("w_down", down, 0, e, "w_down's experts must match w_up's") ||
                !c.RequireDim("w_down", down, 1, hidden, "w_down's rows must match the expert hidden size") ||
                !c.RequireDim("w_down", down, 2, dim, "w_down's output must match x")) return null;
            if (gate is not null && (!c.RequireExactRank("w_gate", gate, 3) || !c.SameShapeOrReport("w_gate", gate, "w_up", up))) return null;
            if (c.Slot("b_gate") is { } bg && !c.SameShapeOrReport("b_gate", bg, "[E, hidden]", new TensorType(bg.DType, new Shape(e, hidden)))) return null;
            if (c.Slot("b_up") is { } bu && !c.SameShapeOrReport("b_up", bu, "[E, hidden]", new TensorType(bu.DType, new Shape(e, hidden)))) return null;
            if (c.Slot("b_down") is { } bd && !c.SameShapeOrReport("b_down", bd, "[E, dim]", new TensorType(bd.DType, new Shape(e, dim)))) return null;
            var k = c.Static(w.Shape.Last); var experts = c.Static(e) * (c.Int("ep") ?? 1) - (c.Int("redundant") ?? 0);
            if (k is not null && experts is not null && k > experts)
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, $"moe.experts: top_k ({k}) exceeds the number of experts ({experts})");
                return null;
            }
            if (c.Str("act") == "swiglu_clamped" && gate is null)
            {
                c.Error(DiagnosticCatalog.InvalidAttribute, "moe.experts: act = swiglu_clamped needs w_gate");
                return null;
            }
            return new[] { x };
        },
        Cost = c =>
        {
            var x = c.Type("x"); var up = c.Type("w_up");
            var tokens = c.Rows(x);
            long local = c.Static(up.Shape[0]), dim = c.Static(up.Shape[1]), hidden = c.Static(up.Shape[2]);
            long ep = c.Int("ep"), groups = c.Int("token_groups"), redundant = c.Int("redundant");
            long slots = local * ep, e = slots - redundant;
            long k = c.Static(c.Type("indices").Shape.Last);
            bool gated = c.Op.Operand("w_gate") is not null;
            double matrices = gated ? 3 : 2;
            double flopsPerTokenExpert = 2.0 * dim * hidden * matrices + hidden * (gated ? 5 : 4);
            var weightBytes = MoeWeightSlots(c.Op).Aggregate(Poly.Zero, (acc, v) => acc + c.Bytes(v.Type));
            double bytesPerExpert = weightBytes.ConstantTerm / local;
            double elem = x.DType.BytesPerElement;
            // Token-expert pairs this GPU computes: the group's tokens times top_k, spread over ep shards (replicas
            // of an expert share its tokens, so the shards stay equal on average).
            var pairs = tokens * ((double)groups * k / ep);
            // Its passes (TensorRT-LLM's CUTLASS MoE: expand, two grouped GEMMs, finalize) hand the k copies and the hidden
            // activations to each other through memory.
            var passes = pairs * (elem * (2.0 * dim + matrices * hidden));
            return new OpCost
            {
                Class = OpClass.GroupedGemm,
                Flops = pairs * flopsPerTokenExpert,
                WeightBytes = weightBytes,
                // Read x, permute into k copies, write the hidden activations, gather and combine.
                ActivationBytes = tokens * (elem * 2.0 * dim) + passes,
                InternalBytes = passes,
                Gemm = new GemmShape(pairs * (1.0 / local), dim, hidden),
                Moe = new MoeWork(e, k, tokens, bytesPerExpert, flopsPerTokenExpert, local, groups) { Slots = slots, RowWidth = dim, ExpertHidden = hidden, Gated = gated, ElementBytes = elem },
            };
        },
    };

    /// <summary>A moe.experts op's layer: the logical experts routing picks among, and the expert slots this op's
    /// GPU holds (with redundant experts some slots hold replicas, so slots x ep = experts + redundant).</summary>
    public static (long Experts, long LocalSlots) ExpertCounts(Operation op, System.Func<string, long?> param)
    {
        long local = op.Operand("w_up")!.Type.Shape[0].Evaluate(param, _ => null) ?? 0;
        long ep = op.Attributes.GetInt("ep")?.Evaluate(param, _ => null) ?? 1;
        long redundant = op.Attributes.GetInt("redundant")?.Evaluate(param, _ => null) ?? 0;
        return (local * ep - redundant, local);
    }

    /// <summary>The routed-expert weight operands of a moe.experts op.</summary>
    public static System.Collections.Generic.IEnumerable<Value> MoeWeightSlots(Operation op) =>
        op.Def.RoutedWeightSlots.Select(op.Operand).Where(v => v is not null).Select(v => v!);

    public static readonly OpDef[] All = { Route, Experts };
}
