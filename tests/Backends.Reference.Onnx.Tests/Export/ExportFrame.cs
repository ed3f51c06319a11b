using System.Collections.Generic;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>
/// The ONNX names of the IR values of one region execution (one unrolled repeat iteration). Regions
/// read values of the regions around them, so lookups fall back to the parent. <see cref="Path"/> is
/// the weight-name prefix, as in the reference interpreter (<c>layers.2</c>).
/// </summary>
internal sealed class ExportFrame
{
    private readonly Dictionary<Value, string> _names = new();

    public ExportFrame(ExportFrame? parent, string path) { Parent = parent; Path = path; }

    public ExportFrame? Parent { get; }
    public string Path { get; }

    public void Set(Value v, string name) => _names[v] = name;

    public string? Find(Value v)
    {
        for (var f = this; f is not null; f = f.Parent)
            if (f._names.TryGetValue(v, out var name)) return name;
        return null;
    }
}
