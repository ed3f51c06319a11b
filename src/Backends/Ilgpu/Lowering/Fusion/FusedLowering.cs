using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// A fused.kernel runs its members with the fewest launches the kernel library allows: patterns claim
/// member ops (QKV and gated-FFN projections as one GEMM over stacked weights, GEMM epilogues, add +
/// norm, pointwise programs), and what no pattern claims lowers op by op exactly as unfused, so every
/// group runs and means what its members mean. The patterns applied are recorded for the launch report.
/// </summary>
internal static class FusedLowering
{
    public static readonly (OpDef, OpLowering)[] All = { (FusedOps.Kernel, Kernel) };

    private static void Kernel(TraceContext c, Operation op)
    {
        var region = op.Regions[0];
        var args = op.Operands.Select(c.Get).ToArray();
        var plan = new FusionPlan(region, args);
        QkvPattern.Apply(c, plan);
        GatedFfnPattern.Apply(c, plan);
        MatmulEpiloguePattern.Apply(c, plan);
        AddNormPattern.Apply(c, plan);
        ElementwiseProgramPattern.Apply(c, plan);
        c.FusionPatterns.AddRange(plan.Applied);
        var results = c.RunRegion(region, args, c.Path, seesOuter: true, intercept: plan.Intercept);
        for (int i = 0; i < op.Results.Count; i++) c.Set(op.Results[i], results[i]);
    }
}
