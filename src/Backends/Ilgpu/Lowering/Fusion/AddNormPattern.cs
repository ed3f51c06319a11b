using System.Linq;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>A residual add feeding an RMSNorm or LayerNorm: one pass per row writes the sum (the new
/// residual stream) and its normalization.</summary>
internal static class AddNormPattern
{
    public static void Apply(TraceContext c, FusionPlan plan)
    {
        foreach (var norm in plan.Region.Ops.Where(o => o.Def.Fusion == FusionRole.Norm).ToArray())
        {
            if (plan.IsCovered(norm) || plan.Producer(norm.Operands[0]) is not { } add || add.Def.Fusion != FusionRole.Sum || plan.IsCovered(add)) continue;
            int kind = NnLowering.NormKinds[norm.Def];
            var sumDims = c.Dims(add.Result.Type.Shape);
            if (!c.Dims(add.Operand("a")!.Type.Shape).SequenceEqual(sumDims) || !c.Dims(add.Operand("b")!.Type.Shape).SequenceEqual(sumDims)) continue;
            plan.Claim("add+norm", new[] { add, norm }, System.Array.Empty<Value>(), () =>
            {
                var a = c.Data(c.Get(add.Operand("a")!));
                var b = c.Data(c.Get(add.Operand("b")!));
                var weight = c.Data(c.In(norm, "weight"));
                var bias = kind == 1 && c.Opt(norm, "bias") is { } nb ? c.Data(nb) : null;
                if (weight.Count != a.LastDim) throw c.Error(norm, $"weight {weight.ShapeText} must be [{a.LastDim}]");
                var sum = c.NewActivation(sumDims);
                var y = c.NewActivation(c.Dims(norm.Result.Type.Shape));
                c.Set(add.Result, sum);
                c.Set(norm.Result, y);
                var p = new NormArgs
                {
                    Rows = (int)a.Rows, D = a.LastDim, Eps = (float)c.Float(norm, "eps"), Kind = kind,
                    HasBias = bias is null ? 0 : 1, AddInputs = 1,
                };
                c.Emit("fused add+norm", new[] { a, b, weight, bias }, new[] { sum, y }, r =>
                    r.Kernels.Norm(r.View(a), r.View(weight), r.View(y), p, b: r.View(b), bias: bias is null ? null : r.View(bias), sum: r.View(sum)));
            });
        }
    }
}
