using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>RMSNorm from its definition: x / sqrt(mean(x^2) + eps) * weight over the last axis.</summary>
internal static class NormLowering
{
    public static readonly (OpDef, OpLowering)[] All = { (NnOps.RmsNorm, RmsNorm) };

    private static IReadOnlyList<string> RmsNorm(LoweringContext c)
    {
        var g = c.G;
        var x = c.Input("x");
        var meanSquare = g.Op("ReduceMean", new[] { g.Op("Mul", x, x) }, OnnxAttribute.OfInts("axes", -1L), OnnxAttribute.OfInt("keepdims", 1L));
        var rms = g.Op("Sqrt", g.Op("Add", meanSquare, g.Scalar(c.Float("eps"))));
        return OpLowerings.One(g.Op("Mul", g.Op("Div", x, rms), c.Input("weight")));
    }
}
