using System;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>NumPy broadcasting: shapes align at the trailing axis; a size-1 or missing axis repeats.</summary>
public static class Broadcasting
{
    /// <summary>The broadcast shape, or null when the shapes are incompatible.</summary>
    public static int[]? Shape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = At(a, i, rank), db = At(b, i, rank);
            if (da != db && da != 1 && db != 1) return null;
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Applies <paramref name="f"/> elementwise over the broadcast of a and b.</summary>
    public static Tensor Apply(Tensor a, Tensor b, Func<float, float, float> f)
    {
        var shape = Shape(a.Shape, b.Shape) ?? throw new ArgumentException($"shapes {a.ShapeText} and {b.ShapeText} do not broadcast");
        var sa = Strides(a.Shape, shape.Length);
        var sb = Strides(b.Shape, shape.Length);
        var result = new float[checked((int)Tensor.ElementCount(shape))];
        var index = new int[shape.Length];
        for (int n = 0; n < result.Length; n++)
        {
            int oa = 0, ob = 0;
            for (int d = 0; d < shape.Length; d++) { oa += index[d] * sa[d]; ob += index[d] * sb[d]; }
            result[n] = f(a.Data[oa], b.Data[ob]);
            // Advance the row-major index.
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return new Tensor(shape, result);
    }

    private static int At(int[] shape, int i, int rank)
    {
        int j = i - (rank - shape.Length);
        return j < 0 ? 1 : shape[j];
    }

    // Strides of `shape` aligned to `rank` trailing axes; broadcast axes get stride 0.
    private static int[] Strides(int[] shape, int rank)
    {
        var strides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - shape.Length);
            int size = j < 0 ? 1 : shape[j];
            strides[i] = size == 1 ? 0 : stride;
            stride *= size;
        }
        return strides;
    }
}
