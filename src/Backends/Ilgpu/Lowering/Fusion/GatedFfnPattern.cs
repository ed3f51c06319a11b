using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// act(x Wg) * (x Wu) (or the clamped SwiGLU of the two): for one row a dual GEMV streams both
/// weights once and writes the gated product; for more rows one GEMM over the stacked [Wg; Wu] writes
/// both halves side by side and one pointwise launch gates them.
/// </summary>
internal static class GatedFfnPattern
{
    public static void Apply(TraceContext c, FusionPlan plan)
    {
        foreach (var op in plan.Region.Ops.ToArray())
        {
            if (plan.IsCovered(op) || !Match(c, plan, op, out var gate, out var up, out var actOp, out int act)) continue;
            var members = new List<Operation> { gate, up, op };
            var internals = new List<Value> { gate.Result, up.Result };
            if (actOp is not null) { members.Add(actOp); internals.Add(actOp.Result); }
            bool clamped = op.Def.Fusion == FusionRole.Gate;
            float alpha = clamped ? (float)c.Float(op, "alpha") : 0f, limit = clamped ? (float)c.Float(op, "limit") : 0f;
            bool transpose = c.Bool(gate, "transpose_w");
            var gateName = plan.Argument(gate.Operand("w")!)!.WeightName!;
            var upName = plan.Argument(up.Operand("w")!)!.WeightName!;
            var stacked = c.Weights.Stacked(new[] { (gateName, !transpose), (upName, !transpose) });
            if (stacked is null) continue;
            plan.Claim("gated_ffn", members, internals, () =>
            {
                var x = LinearLowering.GemmInput(c, gate, c.Data(c.Get(gate.Operand("x")!)));
                var y = c.NewActivation(c.Dims(op.Result.Type.Shape));
                c.Set(op.Result, y);
                int hidden = y.LastDim, rows = (int)x.Rows;
                if (rows == 1)
                {
                    var g = LinearLowering.Weight(c, c.Get(gate.Operand("w")!), transpose);
                    var u = LinearLowering.Weight(c, c.Get(up.Operand("w")!), transpose);
                    var p = new GemvArgs { M = 1, N = hidden, K = x.LastDim, Lda = x.LastDim, Ldc = hidden, Dual = 1, Act = act, Clamped = clamped ? 1 : 0, Alpha = alpha, Limit = limit };
                    c.Emit("fused gated_ffn (dual gemv)", new[] { x }, new[] { y }, r => r.Kernels.Gemv(r.View(x), g.View(r), r.View(y), p, w2: u.View(r)));
                    return;
                }
                var both = c.NewActivation(new[] { rows, 2 * hidden });
                var w = new WeightOperand(_ => stacked.View, stacked.Packed.Rows, stacked.Packed.Cols, System.Array.Empty<TValue>());
                LinearLowering.EmitMatmul(c, "fused gated_ffn gate|up", x, w, both, EpilogueSpec.None);
                c.Emit("fused gated_ffn act", new[] { both }, new[] { y }, r =>
                {
                    var view = r.View(both);
                    r.Kernels.Gate(view, view.SubView(hidden), r.View(y), rows, hidden, 2 * hidden, 2 * hidden, act, clamped, alpha, limit);
                });
            });
        }
    }

    /// <summary>op is the product: mul(act(x Wg), x Wu) in either order, or swiglu_clamped(x Wg, x Wu).</summary>
    private static bool Match(TraceContext c, FusionPlan plan, Operation op, out Operation gate, out Operation up, out Operation? actOp, out int act)
    {
        gate = up = null!;
        actOp = null;
        act = Activation.None;
        if (op.Def.Fusion == FusionRole.Gate)
        {
            if (plan.Producer(op.Operands[0]) is not { } g || plan.Producer(op.Operands[1]) is not { } u) return false;
            (gate, up) = (g, u);
        }
        else if (op.Def.Fusion == FusionRole.Product)
        {
            var a = plan.Producer(op.Operands[0]);
            var b = plan.Producer(op.Operands[1]);
            if (a is null || b is null || a == b) return false;
            if (IsGemm(b) && !IsGemm(a)) (a, b) = (b, a);
            // b is the activation, a the up projection.
            if (!IsGemm(a) || !Pointwise.TryActivation(c, b, out act, out var param) || param != 0f) return false;
            if (plan.Producer(b.Operands[0]) is not { } g || plan.OnlyConsumer(b.Result) != op) return false;
            (gate, up, actOp) = (g, a, b);
        }
        else return false;
        if (!IsGemm(gate) || !IsGemm(up) || gate == up || plan.IsCovered(gate) || plan.IsCovered(up) || (actOp is not null && plan.IsCovered(actOp))) return false;
        if (gate.Operand("x") != up.Operand("x") || c.Bool(gate, "transpose_w") != c.Bool(up, "transpose_w") || c.DType(gate, "act_dtype") != c.DType(up, "act_dtype")) return false;
        if (!plan.IsStoredWeight(gate.Operand("w")!) || !plan.IsStoredWeight(up.Operand("w")!)) return false;
        if (plan.OnlyConsumer(gate.Result) != (actOp ?? op) || plan.OnlyConsumer(up.Result) != op) return false;
        return c.Dims(gate.Result.Type.Shape).SequenceEqual(c.Dims(up.Result.Type.Shape));
    }

    private static bool IsGemm(Operation op) => op.Def.Fusion == FusionRole.Gemm;
}
