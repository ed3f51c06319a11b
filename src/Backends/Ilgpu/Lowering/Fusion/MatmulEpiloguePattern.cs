using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// matmul -> [+ bias [N]] -> [activation] -> [+ residual of the same shape] as one GEMM or GEMV launch
/// whose epilogue applies the tail in registers (the order the kernels' epilogue applies). Each link
/// must be the only reader of the previous value, so no intermediate is ever needed in memory.
/// </summary>
internal static class MatmulEpiloguePattern
{
    public static void Apply(TraceContext c, FusionPlan plan)
    {
        foreach (var mm in plan.Region.Ops.Where(o => o.Def.Fusion == FusionRole.Gemm).ToArray())
        {
            if (plan.IsCovered(mm)) continue;
            var chain = new List<Operation> { mm };
            var internals = new List<Value>();
            Value current = mm.Result, x = mm.Operand("x")!, w = mm.Operand("w")!;
            int n = c.Dims(mm.Result.Type.Shape)[^1];
            Value? bias = null, residual = null;
            int act = Activation.None;
            float param = 0f;
            while (plan.OnlyConsumer(current) is { } next && !plan.IsCovered(next))
            {
                if (next.Def.Fusion == FusionRole.Sum)
                {
                    var a = next.Operand("a")!; var b = next.Operand("b")!;
                    if (a == b) break;
                    var other = a == current ? b : a;
                    var otherDims = c.Dims(other.Type.Shape);
                    if (bias is null && act == Activation.None && residual is null && otherDims.Length == 1 && otherDims[0] == n) bias = other;
                    else if (residual is null && otherDims.SequenceEqual(c.Dims(current.Type.Shape)) && !plan.IsStoredWeight(other)) residual = other;
                    else break;
                }
                else if (act == Activation.None && residual is null && Pointwise.TryActivation(c, next, out var code, out var p)) { act = code; param = p; }
                else break;
                internals.Add(current);
                chain.Add(next);
                current = next.Result;
            }
            if (chain.Count == 1) continue;
            var final = current;
            plan.Claim("matmul+epilogue", chain, internals, () =>
            {
                var xv = LinearLowering.GemmInput(c, mm, c.Data(c.Get(x)));
                var weight = LinearLowering.Weight(c, c.Get(w), c.Bool(mm, "transpose_w"));
                var y = c.NewActivation(c.Dims(final.Type.Shape));
                c.Set(final, y);
                var epilogue = new EpilogueSpec(bias is null ? null : c.Get(bias), act, param, residual is null ? null : c.Get(residual));
                LinearLowering.EmitMatmul(c, "fused matmul+epilogue", xv, weight, y, epilogue);
            });
        }
    }
}
