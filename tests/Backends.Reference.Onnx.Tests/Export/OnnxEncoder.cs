using GraphDsl.Backends.Reference.Onnx.Tests.Protobuf;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>
/// Writes <see cref="OnnxModel"/> as an ONNX ModelProto. The field numbers are onnx.proto's
/// (github.com/onnx/onnx, onnx/onnx.proto), noted beside each write. Repeated scalars are written
/// unpacked, as proto2 declares them; tensor contents go to raw_data.
/// </summary>
internal static class OnnxEncoder
{
    public static byte[] Encode(OnnxModel model)
    {
        var w = new ProtoWriter();
        w.Int64(1, model.IrVersion);                       // ModelProto.ir_version
        w.String(2, model.Producer);                       // ModelProto.producer_name
        w.Message(7, g => Graph(g, model.Graph));          // ModelProto.graph
        w.Message(8, o =>                                  // ModelProto.opset_import
        {
            o.String(1, "");                               // OperatorSetIdProto.domain: the default set
            o.Int64(2, model.Opset);                       // OperatorSetIdProto.version
        });
        return w.ToArray();
    }

    private static void Graph(ProtoWriter w, OnnxGraph graph)
    {
        foreach (var node in graph.Nodes) w.Message(1, n => Node(n, node));          // GraphProto.node
        w.String(2, graph.Name);                                                      // GraphProto.name
        foreach (var t in graph.Initializers) w.Message(5, m => Tensor(m, t));        // GraphProto.initializer
        foreach (var i in graph.Inputs) w.Message(11, m => ValueInfo(m, i));          // GraphProto.input
        foreach (var o in graph.Outputs) w.Message(12, m => ValueInfo(m, o));         // GraphProto.output
    }

    private static void Node(ProtoWriter w, OnnxNode node)
    {
        foreach (var input in node.Inputs) w.String(1, input);                        // NodeProto.input
        foreach (var output in node.Outputs) w.String(2, output);                     // NodeProto.output
        w.String(3, node.Name);                                                       // NodeProto.name
        w.String(4, node.OpType);                                                     // NodeProto.op_type
        foreach (var a in node.Attributes) w.Message(5, m => Attribute(m, a));        // NodeProto.attribute
        w.String(6, node.Doc);                                                        // NodeProto.doc_string
    }

    private static void Attribute(ProtoWriter w, OnnxAttribute a)
    {
        w.String(1, a.Name);                                                          // AttributeProto.name
        w.Int64(20, (long)a.Kind);                                                    // AttributeProto.type
        switch (a.Kind)
        {
            case OnnxAttributeKind.Int: w.Int64(3, a.Int); break;                     // AttributeProto.i
            case OnnxAttributeKind.Ints: foreach (var i in a.Ints!) w.Int64(8, i); break;  // AttributeProto.ints
        }
    }

    private static void Tensor(ProtoWriter w, OnnxTensor t)
    {
        foreach (var d in t.Dims) w.Int64(1, d);                                      // TensorProto.dims
        w.Int64(2, (long)t.Type);                                                     // TensorProto.data_type
        w.String(8, t.Name);                                                          // TensorProto.name
        w.Bytes(9, t.RawData);                                                        // TensorProto.raw_data
    }

    private static void ValueInfo(ProtoWriter w, OnnxValueInfo v)
    {
        w.String(1, v.Name);                                                          // ValueInfoProto.name
        w.Message(2, type => type.Message(1, tensor =>                                // ValueInfoProto.type, TypeProto.tensor_type
        {
            tensor.Int64(1, (long)v.Type);                                            // TypeProto.Tensor.elem_type
            tensor.Message(2, shape =>                                                // TypeProto.Tensor.shape
            {
                foreach (var d in v.Shape)
                    shape.Message(1, dim =>                                           // TensorShapeProto.dim
                    {
                        if (d.Value is { } value) dim.Int64(1, value);                // Dimension.dim_value
                        else if (d.Param is { } param) dim.String(2, param);          // Dimension.dim_param
                    });
            });
        }));
    }
}
