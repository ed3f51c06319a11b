using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

// The handful of ONNX messages an exported model needs, as plain values; OnnxEncoder writes them in the
// wire format of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto).

/// <summary>TensorProto.DataType values the exporter uses.</summary>
internal enum OnnxElementType { Float = 1, Int32 = 6, Int64 = 7, Bool = 9 }

/// <summary>A constant tensor (an initializer): little-endian elements in raw_data.</summary>
internal sealed record OnnxTensor(string Name, OnnxElementType Type, long[] Dims, byte[] RawData)
{
    public static OnnxTensor Floats(string name, long[] dims, ReadOnlySpan<float> values) =>
        new(name, OnnxElementType.Float, dims, MemoryMarshal.AsBytes(values).ToArray());

    public static OnnxTensor Int64s(string name, long[] dims, ReadOnlySpan<long> values) =>
        new(name, OnnxElementType.Int64, dims, MemoryMarshal.AsBytes(values).ToArray());
}

/// <summary>AttributeProto.AttributeType values the exporter uses.</summary>
internal enum OnnxAttributeKind { Int = 2, Ints = 7 }

/// <summary>A node attribute: exactly one of the value fields is meaningful, the one <see cref="Kind"/> names.</summary>
internal sealed record OnnxAttribute(string Name, OnnxAttributeKind Kind, long Int = 0, IReadOnlyList<long>? Ints = null)
{
    public static OnnxAttribute OfInt(string name, long value) => new(name, OnnxAttributeKind.Int, Int: value);
    public static OnnxAttribute OfInts(string name, params long[] values) => new(name, OnnxAttributeKind.Ints, Ints: values);
}

/// <summary>One operator application. <see cref="Name"/> and <see cref="Doc"/> say which IR op it came from,
/// so ONNX Runtime's errors point back at the IR.</summary>
internal sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    string Name, IReadOnlyList<OnnxAttribute> Attributes, string Doc);

/// <summary>A dimension of a declared shape: a number, a named symbol, or unknown (both null).</summary>
internal sealed record OnnxDim(long? Value, string? Param);

/// <summary>A graph input or output: name, element type and shape.</summary>
internal sealed record OnnxValueInfo(string Name, OnnxElementType Type, IReadOnlyList<OnnxDim> Shape);

internal sealed record OnnxGraph(string Name, IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs, IReadOnlyList<OnnxValueInfo> Outputs);

/// <summary>A model of the default ("ai.onnx") operator set at one version.</summary>
internal sealed record OnnxModel(long IrVersion, long Opset, string Producer, OnnxGraph Graph);
