using System;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Planning;
using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>
/// A value of the traced step: its concrete shape and where its data lives on the device: an
/// activation in a planned <see cref="Slot"/> (a reshape shares its producer's slot), a weight (by full
/// name, materialized in the layout its consumer needs), a fixed device view, or a KV cache's entries.
/// </summary>
internal sealed class TValue
{
    public TValue(int[] shape) { Shape = shape; }

    public int[] Shape { get; }
    public Slot? Slot { get; init; }
    public string? WeightName { get; init; }
    public ArrayView<float>? Fixed { get; init; }
    public CacheHandle? Cache { get; init; }
    /// <summary>The model input this value is, when it is one (its host data can be checked before a run).</summary>
    public string? InputName { get; init; }

    public long Count => Shape.Aggregate(1L, (a, d) => a * d);
    public int LastDim => Shape.Length == 0 ? 1 : Shape[^1];
    public long Rows => LastDim == 0 ? 0 : Count / LastDim;
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public TValue WithShape(int[] shape)
    {
        if (shape.Aggregate(1L, (a, d) => a * d) != Count) throw new ArgumentException($"cannot view {ShapeText} as [{string.Join(", ", shape)}]");
        return new TValue(shape) { Slot = Slot, WeightName = WeightName, Fixed = Fixed, Cache = Cache, InputName = InputName };
    }
}

/// <summary>A kv.cache op at one repeat iteration: the key of its device cache.</summary>
internal sealed record CacheHandle(GraphDsl.Ir.Graph.Operation Op, string Path, int Inner, int Window, int Round);
