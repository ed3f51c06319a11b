using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>A tensor to write: name, dtype, shape and its little-endian bytes.</summary>
public sealed class SafetensorsTensor
{
    public SafetensorsTensor(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, byte[] data)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        DType = dtype;
        Shape = shape.ToArray();
        Data = data ?? throw new ArgumentNullException(nameof(data));
        long expected = Shape.Aggregate((long)dtype.SizeInBytes(), (a, d) => d < 0 ? throw new ArgumentException($"tensor '{name}': negative dimension") : checked(a * d));
        if (expected != data.Length)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", Shape)}] of {dtype.Name()} needs {expected} bytes, got {data.Length}");
    }

    /// <summary>Encodes f32 values into <paramref name="dtype"/>.</summary>
    public static SafetensorsTensor FromFloat32(string name, IReadOnlyList<long> shape, float[] values, SafetensorsDType dtype = SafetensorsDType.F32) =>
        new(name, dtype, shape, ElementConversion.FromFloat32(dtype, values));

    public string Name { get; }
    public SafetensorsDType DType { get; }
    public IReadOnlyList<long> Shape { get; }
    public byte[] Data { get; }
}
