using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>What one GEMM launch computes: C[r, n] = epilogue(sum_k A[row(r), k] * W[wrow(n), k]).</summary>
public struct GemmArgs
{
    /// <summary>Rows of A (an upper bound when grouped), outputs N, reduction K.</summary>
    public int M, N, K;
    /// <summary>Row strides of A, C and the residual, in elements.</summary>
    public int Lda, Ldc, Ldr;
    /// <summary>1: A row r is x[RowMap[r] / GatherDiv] (the tokens routed to an expert).</summary>
    public int Gather, GatherDiv;
    /// <summary>1: grid z is the expert; its rows are [Offsets[e], Offsets[e + 1]) and its weights rows e * N ...</summary>
    public int Grouped;
    /// <summary>0 none, 1 bias [N], 2 bias [experts, N] by expert.</summary>
    public int BiasMode;
    /// <summary>1: add residual[r, n] after the activation.</summary>
    public int Residual;
    public int Act;
    public float ActParam;
}

/// <summary>
/// Tiled GEMM against an n-major weight in any stored format (decoded while the tile is loaded into
/// shared memory). A group of gx x gy threads computes a (4 gy) x (4 gx) tile of C, each thread a
/// 4 x 4 register micro-tile, stepping through K in slices of 16: on a GPU 16 x 16 threads give
/// 64 x 64 tiles; on the CPU accelerator one thread per group computes a 4 x 4 tile (groups of one
/// thread need no real barrier there). The epilogue adds a bias, applies an activation and adds a
/// residual, so a matmul with its elementwise tail is one launch. Grouped mode runs every expert's
/// GEMM over the rows routed to it in one launch (grid z = expert).
/// </summary>
public static class GemmKernels
{
    public const int SliceK = 16;
    public const int MaxTile = 64;

    public static void Gemm(ArrayView<float> a, WeightView w, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<int> rowMap, ArrayView<int> offsets, GemmArgs p)
    {
        int gx = Group.DimX, gy = Group.DimY, tx = Group.IdxX, ty = Group.IdxY;
        int threads = gx * gy, tid = ty * gx + tx;
        int bm = 4 * gy, bn = 4 * gx;
        int expert = Grid.IdxZ;
        int rowBegin = 0, rowCount = p.M;
        if (p.Grouped != 0) { rowBegin = offsets[expert]; rowCount = offsets[expert + 1] - rowBegin; }
        int tileRow = Grid.IdxY * bm, tileCol = Grid.IdxX * bn;
        // Uniform across the group, so leaving before the barriers is safe.
        if (tileRow >= rowCount) return;
        int wRow0 = p.Grouped != 0 ? expert * p.N : 0;
        var sa = SharedMemory.Allocate<float>(SliceK * MaxTile);
        var sw = SharedMemory.Allocate<float>(SliceK * MaxTile);

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = 0; k0 < p.K; k0 += SliceK)
        {
            for (int i = tid; i < SliceK * bm; i += threads)
            {
                int kk = i % SliceK, r = i / SliceK, k = k0 + kk;
                float v = 0f;
                if (tileRow + r < rowCount && k < p.K) v = a[(long)SourceRow(rowMap, p, rowBegin + tileRow + r) * p.Lda + k];
                sa[kk * bm + r] = v;
            }
            for (int i = tid; i < SliceK * bn; i += threads)
            {
                int kk = i % SliceK, col = i / SliceK, k = k0 + kk, n = tileCol + col;
                sw[kk * bn + col] = n < p.N && k < p.K ? w.Load(wRow0 + n, k) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < SliceK; kk++)
            {
                int ao = kk * bm + ty * 4, bo = kk * bn + tx * 4;
                float a0 = sa[ao], a1 = sa[ao + 1], a2 = sa[ao + 2], a3 = sa[ao + 3];
                float b0 = sw[bo], b1 = sw[bo + 1], b2 = sw[bo + 2], b3 = sw[bo + 3];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        int r0 = tileRow + ty * 4, n0 = tileCol + tx * 4;
        StoreRow(c, bias, residual, p, expert, rowBegin, rowCount, r0, n0, c00, c01, c02, c03);
        StoreRow(c, bias, residual, p, expert, rowBegin, rowCount, r0 + 1, n0, c10, c11, c12, c13);
        StoreRow(c, bias, residual, p, expert, rowBegin, rowCount, r0 + 2, n0, c20, c21, c22, c23);
        StoreRow(c, bias, residual, p, expert, rowBegin, rowCount, r0 + 3, n0, c30, c31, c32, c33);
    }

    private static int SourceRow(ArrayView<int> rowMap, GemmArgs p, int row) => p.Gather != 0 ? rowMap[row] / p.GatherDiv : row;

    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> residual, GemmArgs p,
        int expert, int rowBegin, int rowCount, int r, int n0, float v0, float v1, float v2, float v3)
    {
        if (r >= rowCount) return;
        long row = rowBegin + r;
        Store(c, bias, residual, p, expert, row, n0, v0);
        Store(c, bias, residual, p, expert, row, n0 + 1, v1);
        Store(c, bias, residual, p, expert, row, n0 + 2, v2);
        Store(c, bias, residual, p, expert, row, n0 + 3, v3);
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> residual, GemmArgs p, int expert, long row, int n, float v)
    {
        if (n >= p.N) return;
        c[row * p.Ldc + n] = Epilogue.Apply(v, bias, residual, p.BiasMode, expert, p.N, p.Act, p.ActParam, p.Residual, row * p.Ldr + n, n);
    }
}

/// <summary>The tail every matrix kernel applies to an accumulated output: bias, activation, residual.</summary>
public static class Epilogue
{
    public static float Apply(float v, ArrayView<float> bias, ArrayView<float> residual, int biasMode, int expert, int n, int act, float actParam,
        int addResidual, long residualAt, int col)
    {
        if (biasMode == 1) v += bias[col];
        else if (biasMode == 2) v += bias[(long)expert * n + col];
        v = Activation.Apply(act, v, actParam);
        if (addResidual != 0) v += residual[residualAt];
        return v;
    }
}
