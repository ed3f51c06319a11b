using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>Embedding lookup (Gather along the vocabulary axis) and matmul (MatMul, with Transpose for a
/// weight stored [N, K]).</summary>
internal static class LinearLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (NnOps.Embedding, c => OpLowerings.One(c.G.Op("Gather", new[] { c.Input("table"), c.Input("ids") }, OnnxAttribute.OfInt("axis", 0L)))),
        (NnOps.MatMul, MatMul),
    };

    /// <summary>x[..., K] @ w[K, N], or x @ w^T for w stored [N, K] (a tied embedding as the LM head).</summary>
    private static IReadOnlyList<string> MatMul(LoweringContext c)
    {
        c.RequireDefaults("act_dtype");
        var w = c.Input("w");
        if (c.Bool("transpose_w")) w = c.G.Op("Transpose", new[] { w }, OnnxAttribute.OfInts("perm", 1L, 0L));
        return OpLowerings.One(c.G.Op("MatMul", c.Input("x"), w));
    }
}
