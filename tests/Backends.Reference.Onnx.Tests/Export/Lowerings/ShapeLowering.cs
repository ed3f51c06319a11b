using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>Reshape to the op's shape, whose symbols (batch, seq) are computed from the step's inputs.</summary>
internal static class ShapeLowering
{
    public static readonly (OpDef, OpLowering)[] All = { (NnOps.Reshape, Reshape) };

    private static IReadOnlyList<string> Reshape(LoweringContext c)
    {
        var shape = c.Op.Attributes.GetShape("shape") ?? throw c.Unsupported("has no shape");
        return OpLowerings.One(c.G.Op("Reshape", c.Input("x"), c.Symbols.Shape(shape)));
    }
}
