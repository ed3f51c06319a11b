using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>
/// Collects the nodes, constants, inputs and outputs of one ONNX graph. Every value gets a fresh name;
/// nodes are appended in the order they are created, which is a topological order because a node can
/// only name values that already exist. <see cref="Origin"/> (the IR op being lowered) goes into each
/// node's name and doc string.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly List<OnnxNode> _nodes = new();
    private readonly List<OnnxTensor> _initializers = new();
    private readonly HashSet<string> _initializerNames = new(StringComparer.Ordinal);
    private readonly List<OnnxValueInfo> _inputs = new();
    private readonly List<OnnxValueInfo> _outputs = new();
    private int _next;

    /// <summary>The IR op the nodes being created come from, e.g. <c>nn.rmsnorm at layers.0 (IR op 7)</c>.</summary>
    public string Origin { get; set; } = "";

    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    /// <summary>A value name not used before.</summary>
    public string Fresh(string hint) => hint + "_" + (_next++).ToString(CultureInfo.InvariantCulture);

    /// <summary>A node with one output; returns the output's name.</summary>
    public string Op(string opType, params string[] inputs) => Op(opType, inputs, Array.Empty<OnnxAttribute>());

    public string Op(string opType, string[] inputs, params OnnxAttribute[] attributes) =>
        Ops(opType, inputs, 1, attributes)[0];

    /// <summary>A node with several outputs (TopK, Split).</summary>
    public string[] Ops(string opType, string[] inputs, int outputs, params OnnxAttribute[] attributes) =>
        Named(opType, inputs, Enumerable.Range(0, outputs).Select(_ => Fresh(opType)).ToArray(), attributes);

    /// <summary>A node whose outputs have the given names (graph outputs).</summary>
    public string[] Named(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        var name = (Origin.Length == 0 ? "" : Origin + " / ") + opType + " " + (_next++).ToString(CultureInfo.InvariantCulture);
        _nodes.Add(new OnnxNode(opType, inputs, outputs, name, attributes, Origin));
        return outputs;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, split sizes).</summary>
    public string Int64s(params long[] values) => Constant(OnnxTensor.Int64s(Fresh("i64"), new long[] { values.Length }, values));

    /// <summary>A 0-d int64 constant (Range's step).</summary>
    public string Int64Scalar(long value) => Constant(OnnxTensor.Int64s(Fresh("i64"), Array.Empty<long>(), new[] { value }));

    /// <summary>A 0-d float constant.</summary>
    public string Scalar(double value) => Constant(OnnxTensor.Floats(Fresh("f32"), Array.Empty<long>(), new[] { (float)value }));

    /// <summary>A float constant of the given shape.</summary>
    public string Floats(long[] dims, float[] values) => Constant(OnnxTensor.Floats(Fresh("f32"), dims, values));

    /// <summary>A named constant (a weight); the same name given twice is stored once.</summary>
    public string Initializer(string name, Func<OnnxTensor> create)
    {
        if (_initializerNames.Add(name)) _initializers.Add(create());
        return name;
    }

    public void Input(OnnxValueInfo input) => _inputs.Add(input);

    public void Output(OnnxValueInfo output) => _outputs.Add(output);

    public OnnxGraph Build(string name) => new(name, _nodes.ToArray(), _initializers.ToArray(), _inputs.ToArray(), _outputs.ToArray());

    private string Constant(OnnxTensor tensor)
    {
        _initializers.Add(tensor);
        _initializerNames.Add(tensor.Name);
        return tensor.Name;
    }
}
