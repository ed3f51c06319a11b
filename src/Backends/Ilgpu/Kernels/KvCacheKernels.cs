using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

public struct AppendArgs
{
    public int B, S, Inner, Capacity, Past;
    /// <summary>A <see cref="FormatRound"/> code: the cache's storage type.</summary>
    public int Round;
}

/// <summary>Appends a step's entries x [b, s, inner] to a device cache [b, capacity, inner] at the
/// absolute positions past .. past + s - 1, rounded through the cache's storage type.</summary>
public static class KvCacheKernels
{
    public static void Append(ArrayView<float> x, ArrayView<float> cache, AppendArgs p)
    {
        long count = (long)p.B * p.S * p.Inner;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            long e = i % p.Inner, token = i / p.Inner;
            long s = token % p.S, b = token / p.S;
            cache[(b * p.Capacity + p.Past + s) * p.Inner + e] = FormatRound.Round(x[i], p.Round);
        }
    }
}
