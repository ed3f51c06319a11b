using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>Up to three column pieces of a fused projection's rows [rows, Width]: piece i starts at column
/// Start_i, is Heads_i x HeadDim wide, and is rotated when Rope_i is set.</summary>
public struct SplitRopeArgs
{
    public int Rows, Width, Seq, HeadDim, Half, Past, Pieces;
    public int Start0, Heads0, Rope0, Start1, Heads1, Rope1, Start2, Heads2, Rope2;
}

/// <summary>
/// The tail of a fused QKV projection: one GEMM wrote [q | k | v] per token; this splits the row into
/// the q, k and v tensors and applies RoPE to q and k on the way (one launch instead of a copy and a
/// rotation per piece). Grid-stride over token rows; cos/sin as in <see cref="RopeKernels"/>.
/// </summary>
public static class SplitRopeKernels
{
    public static void SplitRope(ArrayView<float> src, ArrayView<float> out0, ArrayView<float> out1, ArrayView<float> out2,
        ArrayView<float> cos, ArrayView<float> sin, SplitRopeArgs p)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int row = Grid.GlobalIndex.X; row < p.Rows; row += stride)
        {
            long table = (long)(p.Past + row % p.Seq) * p.Half;
            long s = (long)row * p.Width;
            Piece(src, out0, cos, sin, s + p.Start0, (long)row * p.Heads0 * p.HeadDim, p.Heads0, p.Rope0, table, p);
            if (p.Pieces > 1) Piece(src, out1, cos, sin, s + p.Start1, (long)row * p.Heads1 * p.HeadDim, p.Heads1, p.Rope1, table, p);
            if (p.Pieces > 2) Piece(src, out2, cos, sin, s + p.Start2, (long)row * p.Heads2 * p.HeadDim, p.Heads2, p.Rope2, table, p);
        }
    }

    private static void Piece(ArrayView<float> src, ArrayView<float> dst, ArrayView<float> cos, ArrayView<float> sin,
        long from, long to, int heads, int rope, long table, SplitRopeArgs p)
    {
        for (int h = 0; h < heads; h++)
        {
            long a = from + (long)h * p.HeadDim, o = to + (long)h * p.HeadDim;
            int rotated = rope != 0 ? 2 * p.Half : 0;
            for (int i = 0; rope != 0 && i < p.Half; i++)
            {
                float c = cos[table + i], sn = sin[table + i];
                float first = src[a + i], second = src[a + i + p.Half];
                dst[o + i] = first * c - second * sn;
                dst[o + i + p.Half] = second * c + first * sn;
            }
            for (int i = rotated; i < p.HeadDim; i++) dst[o + i] = src[a + i];
        }
    }
}
