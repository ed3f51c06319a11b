using System;
using System.Globalization;
using System.Linq;

namespace GraphDsl.Backends.Reference;

/// <summary>
/// A dense row-major tensor of f32 values: the only runtime value of the reference interpreter.
/// Integer tensors (token ids, expert indices) hold their values exactly as floats, which is exact up
/// to 2^24. Kernels never write into a tensor they did not create, so reshapes may share the data.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    public Tensor(int[] shape, float[] data)
    {
        if (shape is null) throw new ArgumentNullException(nameof(shape));
        if (data is null) throw new ArgumentNullException(nameof(data));
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"negative dimension in shape {Format(shape)}", nameof(shape));
        long count = ElementCount(shape);
        if (count != data.Length)
            throw new ArgumentException($"shape {Format(shape)} holds {count} elements but {data.Length} values were given", nameof(data));
        _shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(shape, new float[checked((int)ElementCount(shape))]);

    /// <summary>An integer tensor (e.g. token ids) stored exactly as floats.</summary>
    public static Tensor FromInts(int[] shape, params int[] values)
    {
        var data = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (Math.Abs(values[i]) > 1 << 24) throw new ArgumentException($"integer {values[i]} is not exact as f32");
            data[i] = values[i];
        }
        return new Tensor(shape, data);
    }

    /// <summary>Token ids [batch, seq] as an integer tensor.</summary>
    public static Tensor Tokens(int[,] ids)
    {
        int b = ids.GetLength(0), s = ids.GetLength(1);
        var values = new int[b * s];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < s; j++) values[i * s + j] = ids[i, j];
        return FromInts(new[] { b, s }, values);
    }

    /// <summary>The elements, row-major. Treat as read-only once the tensor is handed out.</summary>
    public float[] Data { get; }

    /// <summary>A copy of the shape.</summary>
    public int[] Shape => (int[])_shape.Clone();
    public int Rank => _shape.Length;
    public int Count => Data.Length;

    /// <summary>Size of an axis; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>Size of the last axis (1 for a scalar).</summary>
    public int LastDim => _shape.Length == 0 ? 1 : _shape[_shape.Length - 1];

    /// <summary>Number of rows when the tensor is seen as [rows, LastDim].</summary>
    public int Rows => LastDim == 0 ? 0 : Count / LastDim;

    /// <summary>The element at a full index.</summary>
    public float this[params int[] index] => Data[Offset(index)];

    public int Offset(params int[] index)
    {
        if (index.Length != _shape.Length) throw new ArgumentException($"index of rank {index.Length} into a tensor of rank {_shape.Length}");
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for axis {i} of {ShapeText}");
            offset = offset * _shape[i] + index[i];
        }
        return offset;
    }

    /// <summary>The same elements with another shape of equal element count (shares the data).</summary>
    public Tensor Reshape(params int[] shape) => new(shape, Data);

    /// <summary>The values as integers; throws when one is not integral.</summary>
    public int[] ToInts()
    {
        var result = new int[Data.Length];
        for (int i = 0; i < Data.Length; i++)
        {
            var v = Data[i];
            if (v != Math.Floor(v) || float.IsInfinity(v)) throw new InvalidOperationException($"element {i} = {v.ToString("R", CultureInfo.InvariantCulture)} is not an integer");
            result[i] = (int)v;
        }
        return result;
    }

    public string ShapeText => Format(_shape);

    public bool SameShape(int[] shape) => _shape.SequenceEqual(shape);

    public override string ToString() => "f32" + ShapeText;

    public static long ElementCount(int[] shape)
    {
        long n = 1;
        foreach (var d in shape) n = checked(n * d);
        return n;
    }

    public static string Format(int[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
