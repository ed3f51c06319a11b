using System.Collections.Generic;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Reference;

/// <summary>
/// The values of one region execution (one repeat iteration, one call). Regions may read values of
/// the regions around them, so lookups fall back to the parent frame. <see cref="Path"/> is the
/// weight-name prefix of everything executed in the frame.
/// </summary>
internal sealed class Frame
{
    private readonly Dictionary<Value, Tensor> _values = new();
    // Absolute token positions along axis 1 of values that came out of a kv.cache.
    private readonly Dictionary<Value, long[]> _positions = new();

    public Frame(Frame? parent, string path) { Parent = parent; Path = path; }

    public Frame? Parent { get; }
    public string Path { get; }

    public void Set(Value v, Tensor t) => _values[v] = t;

    public Tensor? Find(Value v)
    {
        for (var f = this; f is not null; f = f.Parent)
            if (f._values.TryGetValue(v, out var t)) return t;
        return null;
    }

    public void SetPositions(Value v, long[] positions) => _positions[v] = positions;

    public long[]? FindPositions(Value v)
    {
        for (var f = this; f is not null; f = f.Parent)
            if (f._positions.TryGetValue(v, out var p)) return p;
        return null;
    }
}
