using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Weights.Mapping;

/// <summary>A named weight as f32 values in row-major order: what the loaders and the initializer hand
/// to a backend (the reference interpreter wraps it in its tensor type).</summary>
public sealed class WeightArray
{
    public WeightArray(string name, int[] shape, float[] values)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Shape = shape ?? throw new ArgumentNullException(nameof(shape));
        Values = values ?? throw new ArgumentNullException(nameof(values));
        if (shape.Aggregate(1L, (a, d) => a * d) != values.Length)
            throw new ArgumentException($"weight '{name}': shape [{string.Join(", ", shape)}] does not hold {values.Length} values");
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Values { get; }

    public IReadOnlyList<long> LongShape => Shape.Select(d => (long)d).ToArray();
}
