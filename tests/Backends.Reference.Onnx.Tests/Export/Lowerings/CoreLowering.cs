using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>The structural ops: inputs (graph inputs), weights (initializers under their full name),
/// outputs (graph outputs) and repeats (unrolled, one weight path per iteration).</summary>
internal static class CoreLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (CoreOps.Input, c => OpLowerings.One(c.Str("name"))),
        (CoreOps.Weight, Weight),
        (CoreOps.Output, Output),
        (CoreOps.Repeat, Repeat),
    };

    /// <summary>The weight named by the region's path and its own name, exactly as the reference reads it.</summary>
    private static IReadOnlyList<string> Weight(LoweringContext c)
    {
        var name = ModelWalker.Join(c.Path, c.Str("name"));
        var type = c.Op.Result.Type;
        if (type.DType != DType.F32) throw c.Unsupported($"weight '{name}' is {type.DType.Name}; the exporter takes f32 weights only");
        if (!c.Exporter.Weights.TryGet(name, out var tensor)) throw c.Unsupported($"weight '{name}' is missing from the weight set");
        var declared = type.Shape.Dims.Select(d => c.Static(d, "weight shape")).ToArray();
        if (!declared.SequenceEqual(tensor.Shape.Select(d => (long)d)))
            throw c.Unsupported($"weight '{name}' is {tensor.ShapeText} but the module declares [{string.Join(", ", declared)}]");
        return OpLowerings.One(c.G.Initializer(name, () => OnnxTensor.Floats(name, declared, tensor.Data)));
    }

    private static IReadOnlyList<string> Output(LoweringContext c)
    {
        var name = c.Str("name");
        c.G.Named("Identity", new[] { c.Input("value") }, new[] { name });
        c.Exporter.DeclareOutput(name, c.Op.Operand("value")!);
        return Array.Empty<string>();
    }

    /// <summary>Iteration i runs the body under the path <c>name.{offset + i}</c>, carrying its values.</summary>
    private static IReadOnlyList<string> Repeat(LoweringContext c)
    {
        long count = c.Int("count"), offset = c.Int("offset");
        var name = c.Str("name");
        IReadOnlyList<string> carried = c.Variadic;
        for (long i = 0; i < count; i++)
        {
            var path = ModelWalker.Join(c.Path, name + "." + (offset + i).ToString(CultureInfo.InvariantCulture));
            carried = c.Exporter.LowerRegion(c.Op.Regions[0], carried, c.Frame, path);
        }
        return carried;
    }
}
