using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>
/// The shape symbols of a step as ONNX values computed at run time, so one exported model serves the
/// prefill and every decode step: batch and seq are read from the shape of the first graph input that
/// has them, past (tokens cached before the step) from the length of the first cache input (0 without
/// a cache), and ctx = past + seq, as the reference interpreter binds them. Each is a 1-element int64
/// tensor, the form Reshape, Concat and Expand take shapes in.
/// </summary>
internal sealed class StepSymbols
{
    public const string Past = "past";

    private readonly OnnxGraphBuilder _graph;
    private readonly Func<string, long?> _params;
    private readonly Dictionary<string, (string Input, int Axis)> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public StepSymbols(OnnxGraphBuilder graph, Func<string, long?> parameters)
    {
        _graph = graph;
        _params = parameters;
    }

    /// <summary>Records that each bare symbol on <paramref name="shape"/> can be read from that axis of the
    /// graph input (the first input that has a symbol wins).</summary>
    public void BindFrom(string input, Shape shape)
    {
        for (int axis = 0; axis < shape.Rank; axis++)
            if (shape[axis] is SymDim s && !_sources.ContainsKey(s.Name)) _sources[s.Name] = (input, axis);
    }

    /// <summary>The value of a dimension without any symbol (parameters and constants), or null.</summary>
    public long? Static(DimExpr e) => e.Evaluate(_params, _ => null);

    /// <summary>A dimension as a 1-element int64 tensor.</summary>
    public string Dim(DimExpr e)
    {
        if (Static(e) is { } value) return _graph.Int64s(value);
        return e switch
        {
            SymDim s => Symbol(s.Name),
            // Dimensions are never negative, so ONNX's truncating integer Div and Mod agree with the IR's floor.
            BinDim b => _graph.Op(b.Op switch
            {
                DimOp.Add => "Add", DimOp.Sub => "Sub", DimOp.Mul => "Mul", DimOp.Div => "Div", DimOp.Mod => "Mod",
                DimOp.Min => "Min", DimOp.Max => "Max", _ => throw new NotSupportedException($"dimension operator {b.Op}"),
            }, Dim(b.Left), Dim(b.Right)),
            _ => throw new NotSupportedException($"dimension {e} names a parameter the module does not define"),
        };
    }

    /// <summary>A dimension as a 0-d int64 tensor (what Range takes).</summary>
    public string ScalarDim(DimExpr e) => _graph.Op("Squeeze", Dim(e), _graph.Int64s(0));

    /// <summary>A whole shape as a 1-D int64 tensor.</summary>
    public string Shape(Shape shape) => shape.Rank == 0 ? _graph.Int64s() : _graph.Op("Concat", shape.Dims.Select(Dim).ToArray(), OnnxAttribute.OfInt("axis", 0L));

    private string Symbol(string name)
    {
        if (_values.TryGetValue(name, out var known)) return known;
        string value;
        if (_sources.TryGetValue(name, out var source))
            value = AxisOf(source.Input, source.Axis);
        else if (name == "ctx")
            value = _graph.Op("Add", Symbol(Past), Symbol("seq"));
        else if (name == Past)
            value = _graph.Int64s(0);
        else
            throw new NotSupportedException($"no graph input has the symbol '{name}' on its shape, so the exported model cannot compute it");
        return _values[name] = value;
    }

    private string AxisOf(string input, int axis) =>
        _graph.Op("Shape", new[] { input }, OnnxAttribute.OfInt("start", (long)axis), OnnxAttribute.OfInt("end", (long)axis + 1));
}
