using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>
/// Rotary position embedding, rotate-half convention (GPT-NeoX, HF Llama), from nn.rope's definition: on
/// x [b, s, h, d] the first `dims` dims (0: all) rotate in pairs (i, i + dims/2) by pos * theta^(-2i/dims),
/// where pos = tokens cached before the step + the token's index; the rest pass through. The angle and
/// its cosine and sine are computed in the graph in f32.
/// </summary>
internal static class RopeLowering
{
    public static readonly (OpDef, OpLowering)[] All = { (NnOps.Rope, Rope) };

    private static IReadOnlyList<string> Rope(LoweringContext c)
    {
        c.RequireDefaults("scaling", "factor");
        var g = c.G;
        var x = c.Input("x");
        long d = c.StaticDim("x", 3), dims = c.Int("dims");
        if (dims == 0) dims = d;
        if (dims <= 0 || dims % 2 != 0 || dims > d) throw c.Unsupported($"dims = {dims} must be even and at most the head size {d}");
        long half = dims / 2;
        double theta = c.Float("theta");
        var inverseFrequency = Enumerable.Range(0, (int)half).Select(i => (float)Math.Pow(theta, -2.0 * i / dims)).ToArray();

        // positions [s] = past .. past + s - 1, with s read from x itself.
        var past = c.Symbols.ScalarDim(DimExpr.Sym(Export.StepSymbols.Past));
        var length = g.Op("Squeeze", g.Op("Shape", new[] { x }, OnnxAttribute.OfInt("start", 1L), OnnxAttribute.OfInt("end", 2L)), g.Int64s(0));
        var positions = g.Op("Cast", new[] { g.Op("Range", past, g.Op("Add", past, length), g.Int64Scalar(1)) }, OnnxAttribute.OfInt("to", (long)OnnxElementType.Float));
        // angle [s, half], then [1, s, 1, half] to broadcast over batch and heads.
        var angle = g.Op("Mul", g.Op("Unsqueeze", positions, g.Int64s(1)), g.Floats(new[] { 1L, half }, inverseFrequency));
        var cos = g.Op("Unsqueeze", g.Op("Cos", angle), g.Int64s(0, 2));
        var sin = g.Op("Unsqueeze", g.Op("Sin", angle), g.Int64s(0, 2));

        var rotated = x;
        string? passThrough = null;
        if (dims < d)
        {
            var parts = g.Ops("Split", new[] { x, g.Int64s(dims, d - dims) }, 2, OnnxAttribute.OfInt("axis", 3L));
            (rotated, passThrough) = (parts[0], parts[1]);
        }
        var halves = g.Ops("Split", new[] { rotated, g.Int64s(half, half) }, 2, OnnxAttribute.OfInt("axis", 3L));
        string first = halves[0], second = halves[1];
        var newFirst = g.Op("Sub", g.Op("Mul", first, cos), g.Op("Mul", second, sin));
        var newSecond = g.Op("Add", g.Op("Mul", second, cos), g.Op("Mul", first, sin));
        var pieces = passThrough is null ? new[] { newFirst, newSecond } : new[] { newFirst, newSecond, passThrough };
        return OpLowerings.One(g.Op("Concat", pieces, OnnxAttribute.OfInt("axis", 3L)));
    }
}
