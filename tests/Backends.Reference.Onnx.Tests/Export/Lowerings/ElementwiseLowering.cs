using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>Broadcasting arithmetic (ONNX's Add and Mul broadcast as NumPy does, as the IR's do) and SiLU.</summary>
internal static class ElementwiseLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (NnOps.Add, c => OpLowerings.One(c.G.Op("Add", c.Input("a"), c.Input("b")))),
        (NnOps.Mul, c => OpLowerings.One(c.G.Op("Mul", c.Input("a"), c.Input("b")))),
        (NnOps.Silu, c => OpLowerings.One(Silu(c.G, c.Input("x")))),
    };

    /// <summary>silu(x) = x * sigmoid(x).</summary>
    public static string Silu(OnnxGraphBuilder g, string x) => g.Op("Mul", x, g.Op("Sigmoid", x));
}
