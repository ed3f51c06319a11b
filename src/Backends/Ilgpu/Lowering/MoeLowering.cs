using System;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>
/// Routing and the routed experts. moe.route is one top-k launch. moe.experts has two forms: at
/// decode (at most <see cref="LinearLowering.GemvMaxRows"/> tokens) each (token, slot) pair runs its
/// expert's projections as pair-mode GEMVs (gate and up together, then down) and a combine; in prefill
/// the pairs are counting-sorted by expert and every expert's rows run as one grouped GEMM per
/// projection (the x rows gathered through the sort), then the combine scatters them back.
/// </summary>
internal static class MoeLowering
{
    public static readonly (OpDef, OpLowering)[] All = { (MoeOps.Route, Route), (MoeOps.Experts, Experts) };

    private static void Route(TraceContext c, Operation op)
    {
        var logits = c.Data(c.In(op, "logits"));
        var bias = c.Opt(op, "bias") is { } b ? c.Data(b) : null;
        int experts = logits.LastDim, k = (int)c.Int(op, "top_k");
        int groups = (int)c.Int(op, "groups"), topkGroups = (int)c.Int(op, "topk_groups");
        if (k < 1 || k > experts || k > MoeKernels.MaxTopK) throw c.Error(op, $"top_k = {k} must be between 1 and min({experts} experts, {MoeKernels.MaxTopK})");
        if (groups < 1 || groups > MoeKernels.MaxGroups || experts % groups != 0 || topkGroups < 1 || topkGroups > groups)
            throw c.Error(op, $"groups = {groups} must divide the {experts} experts (at most {MoeKernels.MaxGroups}) and topk_groups = {topkGroups} must be in 1..groups");
        if (groups > 1 && topkGroups * (experts / groups) < k)
            throw c.Error(op, $"top_k = {k} exceeds the {topkGroups * (experts / groups)} experts of the {topkGroups} groups a token may use");
        if (bias is not null && bias.Count != experts) throw c.Error(op, $"bias {bias.ShapeText} must be [{experts}]");
        var weights = c.Result(op, 0);
        var indices = c.Result(op, 1);
        var p = new RouteArgs
        {
            Rows = (int)logits.Rows, Experts = experts, TopK = k, Sigmoid = c.Str(op, "scoring") == "sigmoid" ? 1 : 0,
            NormTopK = c.Bool(op, "norm_topk") ? 1 : 0, HasBias = bias is null ? 0 : 1, Groups = groups, TopKGroups = topkGroups,
            Scale = (float)c.Float(op, "scale"),
        };
        c.Emit(op.Name, new[] { logits, bias }, new[] { weights, indices }, r =>
            r.Kernels.Route(r.View(logits), r.View(weights), r.View(indices), p, bias is null ? null : r.View(bias)));
    }

    /// <summary>The expert FFN's operands, checked against each other.</summary>
    private sealed record ExpertWeights(WeightOperand? Gate, WeightOperand Up, WeightOperand Down, TValue? GateBias, TValue? UpBias, TValue? DownBias,
        int Experts, int Dim, int Hidden, int Act, bool Clamped, float Alpha, float Limit);

    private static void Experts(TraceContext c, Operation op)
    {
        if (c.Int(op, "ep") != 1) throw c.Error(op, "holds a shard of the experts (ep > 1); the ILGPU backend runs one device (run before parallelize)");
        var x = LinearLowering.GemmInput(c, op, c.Data(c.In(op, "x")));
        var routeWeights = c.Data(c.In(op, "weights"));
        var indices = c.Data(c.In(op, "indices"));
        var w = Weights(c, op, x);
        int tokens = (int)x.Rows, k = routeWeights.LastDim, pairs = tokens * k;
        if (routeWeights.Rows != tokens || indices.Count != routeWeights.Count)
            throw c.Error(op, $"routing weights {routeWeights.ShapeText} and indices {indices.ShapeText} must be [..., top_k] over the {tokens} tokens");
        var y = c.Result(op);
        var expertOut = c.NewActivation(new[] { pairs, w.Dim });
        if (tokens <= LinearLowering.GemvMaxRows) DecodePairs(c, op, x, indices, w, pairs, k, expertOut);
        else
        {
            var slotOf = SortedGroupedGemms(c, op, x, indices, w, pairs, k, expertOut);
            c.Emit(op.Name + " combine", new[] { expertOut, routeWeights, slotOf }, new[] { y }, r =>
                r.Kernels.Combine(r.View(expertOut), r.View(routeWeights), r.Ints(slotOf), null, r.View(y), tokens, k, w.Dim));
            return;
        }
        c.Emit(op.Name + " combine", new[] { expertOut, routeWeights }, new[] { y }, r =>
            r.Kernels.Combine(r.View(expertOut), r.View(routeWeights), null, null, r.View(y), tokens, k, w.Dim));
    }

    private static ExpertWeights Weights(TraceContext c, Operation op, TValue x)
    {
        var up = Stored(c, op, "w_up");
        var down = Stored(c, op, "w_down");
        var gate = c.Opt(op, "w_gate") is null ? null : Stored(c, op, "w_gate");
        int experts = c.In(op, "w_up").Shape[0], dim = c.In(op, "w_up").Shape[1], hidden = c.In(op, "w_up").Shape[2];
        if (x.LastDim != dim || up.Rows != experts * hidden || down.Rows != experts * dim || down.Cols != hidden || (gate is not null && gate.Rows != up.Rows))
            throw c.Error(op, $"x {x.ShapeText} and the expert weights do not fit together");
        var act = c.Str(op, "act");
        bool clamped = act == "swiglu_clamped";
        if (clamped && gate is null) throw c.Error(op, "act = swiglu_clamped needs w_gate");
        int code = clamped ? Activation.None : act switch
        {
            "silu" => Activation.Silu, "gelu" => Activation.Gelu, "gelu_tanh" => Activation.GeluTanh, "relu" => Activation.Relu,
            _ => throw c.Error(op, $"unknown activation '{act}'"),
        };
        TValue? Bias(string slot, int width)
        {
            if (c.Opt(op, slot) is not { } b) return null;
            var v = c.Data(b);
            if (v.Count != (long)experts * width) throw c.Error(op, $"{slot} {v.ShapeText} must be [{experts}, {width}]");
            return v;
        }
        var gateBias = gate is null ? null : Bias("b_gate", hidden);
        var upBias = Bias("b_up", hidden);
        // The gated kernels add both biases or neither: a missing one is zeros.
        if (gate is not null && (gateBias is null) != (upBias is null))
        {
            var zeros = new TValue(new[] { experts, hidden }) { Fixed = c.Weights.Zeros((long)experts * hidden) };
            gateBias ??= zeros;
            upBias ??= zeros;
        }
        return new ExpertWeights(gate, up, down, gateBias, upBias, Bias("b_down", dim), experts, dim, hidden, code, clamped,
            (float)c.Float(op, "alpha"), (float)c.Float(op, "limit"));
    }

    /// <summary>An expert stack [E, in, out] as n-major rows [E * out, in].</summary>
    private static WeightOperand Stored(TraceContext c, Operation op, string slot)
    {
        var t = c.In(op, slot);
        if (t.WeightName is null || t.Shape.Length != 3) throw c.Error(op, $"{slot} must be a stored weight [experts, in, out] on the ILGPU backend");
        return LinearLowering.Weight(c, t, transposeW: false);
    }

    /// <summary>Decode: one pair-mode GEMV per projection, each pair reading its own expert's rows.</summary>
    private static void DecodePairs(TraceContext c, Operation op, TValue x, TValue indices, ExpertWeights w, int pairs, int k, TValue expertOut)
    {
        var hidden = c.NewActivation(new[] { pairs, w.Hidden });
        var first = w.Gate ?? w.Up;
        var up = new GemvArgs
        {
            M = 1, N = w.Hidden, K = w.Dim, Lda = w.Dim, Ldc = w.Hidden, PairMode = 1, PairDiv = k,
            Dual = w.Gate is null ? 0 : 1, Clamped = w.Clamped ? 1 : 0, Alpha = w.Alpha, Limit = w.Limit, Act = w.Act,
            BiasMode = (w.Gate is null ? w.UpBias : w.GateBias) is null ? 0 : 2,
        };
        var firstBias = w.Gate is null ? w.UpBias : w.GateBias;
        var secondBias = w.Gate is null ? null : w.UpBias;
        c.Emit(op.Name + " gate/up (pair gemv)", new[] { x, indices, firstBias, secondBias }, new[] { hidden }, r =>
            r.Kernels.Gemv(r.View(x), first.View(r), r.View(hidden), up, w2: w.Gate is null ? null : w.Up.View(r),
                bias: firstBias is null ? null : r.View(firstBias), bias2: secondBias is null ? null : r.View(secondBias), experts: r.View(indices), pairs: pairs));
        var down = new GemvArgs
        {
            M = 1, N = w.Dim, K = w.Hidden, Lda = w.Hidden, Ldc = w.Dim, PairMode = 1, PairDiv = 1, BiasMode = w.DownBias is null ? 0 : 2,
        };
        c.Emit(op.Name + " down (pair gemv)", new[] { hidden, indices, w.DownBias }, new[] { expertOut }, r =>
            r.Kernels.Gemv(r.View(hidden), w.Down.View(r), r.View(expertOut), down, bias: w.DownBias is null ? null : r.View(w.DownBias),
                experts: r.View(indices), pairs: pairs));
    }

    /// <summary>Prefill: sort the pairs by expert, then grouped GEMMs over each expert's rows; returns
    /// each pair's row in expert order (for the combine).</summary>
    private static TValue SortedGroupedGemms(TraceContext c, Operation op, TValue x, TValue indices, ExpertWeights w, int pairs, int k, TValue expertOut)
    {
        var offsets = c.NewActivation(new[] { w.Experts + 1 });
        var cursor = c.NewActivation(new[] { w.Experts });
        var rowMap = c.NewActivation(new[] { pairs });
        var slotOf = c.NewActivation(new[] { pairs });
        int experts = w.Experts;
        c.Emit(op.Name + " sort", new[] { indices }, new[] { offsets, cursor, rowMap, slotOf }, r =>
            r.Kernels.SortByExpert(r.View(indices), r.Ints(offsets), r.Ints(cursor), r.Ints(rowMap), r.Ints(slotOf), pairs, experts));

        GemmArgs Args(int n, int kDim, bool gather, TValue? bias, int act) => new()
        {
            M = pairs, N = n, K = kDim, Lda = kDim, Ldc = n, Gather = gather ? 1 : 0, GatherDiv = k, Grouped = 1,
            BiasMode = bias is null ? 0 : 2, Act = act,
        };
        void Grouped(string label, TValue a, WeightOperand weight, TValue output, GemmArgs p, TValue? bias) =>
            c.Emit(op.Name + " " + label + " (grouped gemm)", new[] { a, offsets, rowMap, bias }, new[] { output }, r =>
                r.Kernels.Gemm(r.View(a), weight.View(r), r.View(output), p, bias: bias is null ? null : r.View(bias),
                    rowMap: r.Ints(rowMap), offsets: r.Ints(offsets), experts: experts));

        var hidden = c.NewActivation(new[] { pairs, w.Hidden });
        if (w.Gate is null) Grouped("up", x, w.Up, hidden, Args(w.Hidden, w.Dim, true, w.UpBias, w.Act), w.UpBias);
        else
        {
            var g = c.NewActivation(new[] { pairs, w.Hidden });
            var u = c.NewActivation(new[] { pairs, w.Hidden });
            Grouped("gate", x, w.Gate, g, Args(w.Hidden, w.Dim, true, w.GateBias, Activation.None), w.GateBias);
            Grouped("up", x, w.Up, u, Args(w.Hidden, w.Dim, true, w.UpBias, Activation.None), w.UpBias);
            int h = w.Hidden;
            c.Emit(op.Name + " act", new[] { g, u }, new[] { hidden }, r =>
                r.Kernels.Gate(r.View(g), r.View(u), r.View(hidden), pairs, h, h, h, w.Act, w.Clamped, w.Alpha, w.Limit));
        }
        // The hidden rows are already in expert order: no gather for the down projection.
        Grouped("down", hidden, w.Down, expertOut, Args(w.Dim, w.Hidden, false, w.DownBias, Activation.None), w.DownBias);
        return slotOf;
    }
}
