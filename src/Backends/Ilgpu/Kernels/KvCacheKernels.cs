using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

public struct AppendArgs
{
    public int B, S, Inner, Capacity, Past;
    /// <summary>A <see cref="FormatRound"/> code: the cache's storage type.</summary>
    public int Round;
    /// <summary>4 or 8: the storage is an integer group format (then Round is unused) with groups of
    /// Group elements along rows of Cols (the entry's last axis); 0 otherwise.</summary>
    public int IntBits, Cols, Group;
}

/// <summary>Appends a step's entries x [b, s, inner] to a device cache [b, capacity, inner] at the
/// absolute positions past .. past + s - 1, rounded through the cache's storage type.</summary>
public static class KvCacheKernels
{
    public static void Append(ArrayView<float> x, ArrayView<float> cache, AppendArgs p)
    {
        if (p.IntBits != 0)
        {
            AppendGrouped(x, cache, p);
            return;
        }
        long count = (long)p.B * p.S * p.Inner;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            long e = i % p.Inner, token = i / p.Inner;
            long s = token % p.S, b = token / p.S;
            cache[(b * p.Capacity + p.Past + s) * p.Inner + e] = FormatRound.Round(x[i], p.Round);
        }
    }

    /// <summary>One thread per (token, row, group): the group is quantized as the reference's storage does.</summary>
    private static void AppendGrouped(ArrayView<float> x, ArrayView<float> cache, AppendArgs p)
    {
        int groupsPerRow = (p.Cols + p.Group - 1) / p.Group, rowsPerToken = p.Inner / p.Cols;
        long segments = (long)p.B * p.S * rowsPerToken * groupsPerRow;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < segments; i += stride)
        {
            int g = (int)(i % groupsPerRow);
            long row = i / groupsPerRow;
            long token = row / rowsPerToken;
            int within = (int)(row % rowsPerToken);
            long s = token % p.S, b = token / p.S;
            int start = g * p.Group, length = p.Cols - start < p.Group ? p.Cols - start : p.Group;
            long from = token * p.Inner + (long)within * p.Cols + start;
            long to = (b * p.Capacity + p.Past + s) * p.Inner + (long)within * p.Cols + start;
            FormatRound.RoundIntGroup(x, from, cache, to, length, p.IntBits);
        }
    }
}
