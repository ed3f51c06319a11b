using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>One tensor of a file's header: its element type, shape and byte range within the data section.</summary>
public sealed class SafetensorsEntry
{
    public SafetensorsEntry(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, long begin, long end)
    {
        Name = name; DType = dtype; Shape = shape.ToArray(); Begin = begin; End = end;
    }

    public string Name { get; }
    public SafetensorsDType DType { get; }
    public IReadOnlyList<long> Shape { get; }
    /// <summary>Start of the data, relative to the end of the header.</summary>
    public long Begin { get; }
    public long End { get; }
    public long ByteLength => End - Begin;
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
    public override string ToString() => $"{Name}: {DType.Name()}{ShapeText}";
}
