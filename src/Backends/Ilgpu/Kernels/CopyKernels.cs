using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>
/// Data movement: strided 2-D copies (split, concat, last token, cache growth, nano-batches), the
/// embedding gather (rows of a table in any stored format, decoded), and a STREAM-style copy that
/// measures the device's memory bandwidth. All grid-stride loops.
/// </summary>
public static class CopyKernels
{
    /// <summary>dst[dstOffset + r * dstStride + c] = src[srcOffset + r * srcStride + c] for r &lt; rows, c &lt; width.</summary>
    public static void Copy2D(ArrayView<float> src, ArrayView<float> dst, long rows, int width, long srcStride, long dstStride, long srcOffset, long dstOffset)
    {
        long count = rows * width;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            long r = i / width, c = i % width;
            dst[dstOffset + r * dstStride + c] = src[srcOffset + r * srcStride + c];
        }
    }

    /// <summary>out[t, :] = table row ids[t] (ids are exact integers stored as floats; the host checked their range).</summary>
    public static void Embedding(ArrayView<float> ids, WeightView table, ArrayView<float> output, int tokens)
    {
        long count = (long)tokens * table.Cols;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            int t = (int)(i / table.Cols), c = (int)(i % table.Cols);
            int id = (int)ids[t];
            output[i] = id >= 0 && id < table.Rows ? table.Load(id, c) : 0f;
        }
    }

    /// <summary>dst = src in 8-byte words: the bandwidth reference (bytes read plus bytes written).</summary>
    public static void Stream(ArrayView<ulong> src, ArrayView<ulong> dst, long count)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride) dst[i] = src[i];
    }

    /// <summary>dst[b, c, r] = src[b, r, c]: an activation used as a matmul's [K, N] weight becomes n-major.</summary>
    public static void Transpose(ArrayView<float> src, ArrayView<float> dst, int batches, int rows, int cols)
    {
        long count = (long)batches * rows * cols;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            long c = i % cols, r = i / cols % rows, b = i / ((long)rows * cols);
            dst[(b * cols + c) * rows + r] = src[i];
        }
    }
}
