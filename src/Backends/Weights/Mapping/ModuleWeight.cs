using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Weights.Mapping;

/// <summary>One weight tensor a module needs: a core.weight op instantiated at one repeat iteration
/// (and call path), with its full name and static shape.</summary>
public sealed class ModuleWeight
{
    public ModuleWeight(string name, IReadOnlyList<long> shape, DType dtype, Operation op)
    {
        Name = name; Shape = shape.ToArray(); DType = dtype; Op = op;
    }

    /// <summary>e.g. <c>layers.0.attn.wq</c> or <c>embed.table</c>.</summary>
    public string Name { get; }
    public IReadOnlyList<long> Shape { get; }
    public DType DType { get; }
    public Operation Op { get; }
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
    public string ShapeText => Format(Shape);

    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
