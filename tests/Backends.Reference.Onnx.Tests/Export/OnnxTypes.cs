using System;
using System.Linq;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>IR element types and shapes as ONNX declares them on graph inputs and outputs.</summary>
internal static class OnnxTypes
{
    /// <summary>f32 values and i32 ids; the narrower formats would need the reference's rounding, which is
    /// not what this oracle checks.</summary>
    public static OnnxElementType Element(DType type, string what) =>
        type == DType.F32 ? OnnxElementType.Float
        : type == DType.I32 ? OnnxElementType.Int32
        : throw new NotSupportedException($"{what} is {type.Name}; the ONNX exporter handles f32 and i32 values only");

    /// <summary>Numbers where the dimension is static, the symbol's name where it is a bare symbol, and
    /// unknown otherwise (ONNX Runtime infers it).</summary>
    public static OnnxDim[] Dims(Shape shape, StepSymbols symbols) =>
        shape.Dims.Select(d => symbols.Static(d) is { } v ? new OnnxDim(v, null)
            : d is SymDim s ? new OnnxDim(null, s.Name) : new OnnxDim(null, null)).ToArray();
}
