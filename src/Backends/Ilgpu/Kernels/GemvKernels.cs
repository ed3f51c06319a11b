using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>What one GEMV launch computes: y[m, n] = epilogue(x[m] . W[n]) for up to four rows of x.</summary>
public struct GemvArgs
{
    /// <summary>Rows of x (1 to 4; one per pair in pair mode), outputs N, reduction K.</summary>
    public int M, N, K;
    public int Lda, Ldc, Ldr;
    /// <summary>1: gated, y = act(x.W + b) * (x.W2 + b2) (or the clamped SwiGLU when Clamped).</summary>
    public int Dual, Clamped;
    public float Alpha, Limit;
    /// <summary>1: grid y is a (token, slot) pair p: expert Experts[p], x row p / PairDiv, output row p.</summary>
    public int PairMode, PairDiv;
    public int BiasMode, Residual, Act;
    public float ActParam;
}

/// <summary>
/// Decode-time matrix-vector product, bandwidth bound: each output row's weights are streamed once.
/// A group of G threads splits into G / L row teams of L lanes (L = 32, one warp, on a GPU; L = 1 on
/// the CPU accelerator); lanes stride through K in aligned 8-element chunks decoded from the stored
/// format (one or two word loads per chunk) and combine with warp shuffles. The grid strides over
/// blocks of rows. Dual mode computes the gate and up projections of a gated FFN together and writes
/// act(gate) * up; pair mode runs each routed (token, expert) pair's projection in one launch.
/// </summary>
public static class GemvKernels
{
    public static void Gemv(ArrayView<float> x, WeightView w, WeightView w2, ArrayView<float> y, ArrayView<float> bias, ArrayView<float> bias2,
        ArrayView<float> residual, ArrayView<float> experts, GemvArgs p)
    {
        int threads = Group.DimX;
        int lanes = threads < 32 ? threads : 32;
        int teams = threads / lanes;
        int lane = Group.IdxX % lanes, team = Group.IdxX / lanes;
        int pair = Grid.IdxY;
        int expert = 0, rows = p.M;
        long xRow = 0, outRow = 0;
        if (p.PairMode != 0)
        {
            expert = (int)experts[pair];
            xRow = pair / p.PairDiv;
            outRow = pair;
            rows = 1;
        }
        int wRow0 = expert * p.N;
        int chunked = w.ChunksAligned && (p.Dual == 0 || w2.ChunksAligned) ? p.K / 8 * 8 : 0;
        for (int block = Grid.IdxX; block * teams < p.N; block += Grid.DimX)
        {
            int n = block * teams + team;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0;
            if (n < p.N)
            {
                int wr = wRow0 + n;
                long x0 = xRow * p.Lda;
                for (int k = lane * 8; k < chunked; k += lanes * 8)
                {
                    var wv = w.Load8(wr, k);
                    s0 += wv.Dot(x, x0 + k);
                    if (rows > 1) s1 += wv.Dot(x, x0 + p.Lda + k);
                    if (rows > 2) s2 += wv.Dot(x, x0 + 2L * p.Lda + k);
                    if (rows > 3) s3 += wv.Dot(x, x0 + 3L * p.Lda + k);
                    if (p.Dual != 0) t0 += w2.Load8(wr, k).Dot(x, x0 + k);
                }
                for (int k = chunked + lane; k < p.K; k += lanes)
                {
                    float wk = w.Load(wr, k);
                    s0 += wk * x[x0 + k];
                    if (rows > 1) s1 += wk * x[x0 + p.Lda + k];
                    if (rows > 2) s2 += wk * x[x0 + 2L * p.Lda + k];
                    if (rows > 3) s3 += wk * x[x0 + 3L * p.Lda + k];
                    if (p.Dual != 0) t0 += w2.Load(wr, k) * x[x0 + k];
                }
            }
            // Every lane reaches the shuffles (teams past N carry zeros), as warp shuffles require.
            for (int offset = lanes / 2; offset > 0; offset /= 2)
            {
                s0 += Warp.ShuffleDown(s0, offset);
                if (rows > 1) s1 += Warp.ShuffleDown(s1, offset);
                if (rows > 2) s2 += Warp.ShuffleDown(s2, offset);
                if (rows > 3) s3 += Warp.ShuffleDown(s3, offset);
                if (p.Dual != 0) t0 += Warp.ShuffleDown(t0, offset);
            }
            if (lane != 0 || n >= p.N) continue;
            if (p.Dual != 0)
            {
                float g = p.BiasMode == 1 ? s0 + bias[n] : p.BiasMode == 2 ? s0 + bias[(long)expert * p.N + n] : s0;
                float u = p.BiasMode == 1 ? t0 + bias2[n] : p.BiasMode == 2 ? t0 + bias2[(long)expert * p.N + n] : t0;
                float h = p.Clamped != 0 ? Activation.SwigluClamped(g, u, p.Alpha, p.Limit) : Activation.Apply(p.Act, g, p.ActParam) * u;
                y[outRow * p.Ldc + n] = h;
                continue;
            }
            y[outRow * p.Ldc + n] = Epilogue.Apply(s0, bias, residual, p.BiasMode, expert, p.N, p.Act, p.ActParam, p.Residual, outRow * p.Ldr + n, n);
            if (rows > 1) y[(outRow + 1) * p.Ldc + n] = Epilogue.Apply(s1, bias, residual, p.BiasMode, expert, p.N, p.Act, p.ActParam, p.Residual, (outRow + 1) * p.Ldr + n, n);
            if (rows > 2) y[(outRow + 2) * p.Ldc + n] = Epilogue.Apply(s2, bias, residual, p.BiasMode, expert, p.N, p.Act, p.ActParam, p.Residual, (outRow + 2) * p.Ldr + n, n);
            if (rows > 3) y[(outRow + 3) * p.Ldc + n] = Epilogue.Apply(s3, bias, residual, p.BiasMode, expert, p.N, p.Act, p.ActParam, p.Residual, (outRow + 3) * p.Ldr + n, n);
        }
    }
}
