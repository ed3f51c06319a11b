using ILGPU;
using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>One recurrent launch: B sequences of S tokens. Conv: C channels, Width taps. Scans: Heads heads of Rows x Cols
/// state (gated delta: dk x dv; SSD: p x n), KeyHeads key heads or groups of B and C.</summary>
public struct RecurrentArgs
{
    public int B, S, C, Width, HasBias;
    public int Heads, KeyHeads, Rows, Cols;
    /// <summary>SSD: 1 when a_log is [heads, n] (Mamba-1's per-state decay); 1 when d is given.</summary>
    public int PerStateDecay, HasSkip;
    public int Groups;
    public float Eps;
}

/// <summary>
/// The recurrent ops token after token, with the state in a device buffer that lives from step to step (zero before the
/// first). Each thread owns a part of the state nothing else touches: a channel of the convolution, one value column of
/// a gated-delta state, one row of an SSD state, so the scan needs no synchronization. Formulas as the reference
/// (src/Backends/Reference/Kernels/RecurrentKernels.cs), in float.
/// </summary>
public static class RecurrentKernels
{
    /// <summary>One thread per (sequence, channel): y = w * [kept inputs, x] along seq (+ bias); keeps the last Width - 1 inputs.</summary>
    public static void CausalConv1d(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> state, ArrayView<float> y, RecurrentArgs p)
    {
        int kept = p.Width - 1;
        long work = (long)p.B * p.C, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < work; i += stride)
        {
            int c = (int)(i % p.C), b = (int)(i / p.C);
            for (int t = 0; t < p.S; t++)
            {
                float acc = p.HasBias != 0 ? bias[c] : 0f;
                for (int j = 0; j < p.Width; j++)
                {
                    int r = t + j;
                    float v = r < kept ? state[((long)b * kept + r) * p.C + c] : x[((long)b * p.S + r - kept) * p.C + c];
                    acc += w[(long)c * p.Width + j] * v;
                }
                y[((long)b * p.S + t) * p.C + c] = acc;
            }
            // The new kept inputs: the last Width - 1 rows of [kept, x], shifted in order (row r reads row r + S, later).
            for (int r = 0; r < kept; r++)
            {
                int from = r + p.S;
                float v = from < kept ? state[((long)b * kept + from) * p.C + c] : x[((long)b * p.S + from - kept) * p.C + c];
                state[((long)b * kept + r) * p.C + c] = v;
            }
        }
    }

    /// <summary>One thread per (sequence, value head, value column j): the column S[:, j] of the delta-rule state.</summary>
    public static void GatedDelta(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> a, ArrayView<float> beta,
        ArrayView<float> aLog, ArrayView<float> dtBias, ArrayView<float> state, ArrayView<float> o, RecurrentArgs p)
    {
        int dk = p.Rows, dv = p.Cols;
        long work = (long)p.B * p.Heads * dv, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < work; i += stride)
        {
            int j = (int)(i % dv), h = (int)(i / dv % p.Heads), b = (int)(i / dv / p.Heads);
            int kh = h / (p.Heads / p.KeyHeads);
            long s0 = ((long)b * p.Heads + h) * dk * dv;
            float rate = XMath.Exp(aLog[h]);
            for (int t = 0; t < p.S; t++)
            {
                long qk = (((long)b * p.S + t) * p.KeyHeads + kh) * dk, gate = ((long)b * p.S + t) * p.Heads + h;
                float qq = 0f, kk = 0f;
                for (int r = 0; r < dk; r++) { qq += q[qk + r] * q[qk + r]; kk += k[qk + r] * k[qk + r]; }
                float qInv = XMath.Rsqrt(qq + 1e-6f) * XMath.Rsqrt((float)dk), kInv = XMath.Rsqrt(kk + 1e-6f);
                float decay = XMath.Exp(-rate * Softplus(a[gate] + dtBias[h]));
                float mem = 0f;
                for (int r = 0; r < dk; r++)
                {
                    long at = s0 + (long)r * dv + j;
                    state[at] *= decay;
                    mem += state[at] * k[qk + r] * kInv;
                }
                float delta = (v[gate * dv + j] - mem) * beta[gate];
                float acc = 0f;
                for (int r = 0; r < dk; r++)
                {
                    long at = s0 + (long)r * dv + j;
                    state[at] += k[qk + r] * kInv * delta;
                    acc += state[at] * q[qk + r] * qInv;
                }
                o[gate * dv + j] = acc;
            }
        }
    }

    /// <summary>One thread per (sequence, head, head-dim row i): the row h[i, :] of the SSD state.</summary>
    public static void Ssd(ArrayView<float> x, ArrayView<float> dt, ArrayView<float> bm, ArrayView<float> cm, ArrayView<float> aLog,
        ArrayView<float> dtBias, ArrayView<float> d, ArrayView<float> state, ArrayView<float> y, RecurrentArgs p)
    {
        int rows = p.Rows, n = p.Cols;
        long work = (long)p.B * p.Heads * rows, stride = (long)Grid.DimX * Group.DimX;
        for (long idx = Grid.GlobalIndex.X; idx < work; idx += stride)
        {
            int i = (int)(idx % rows), h = (int)(idx / rows % p.Heads), b = (int)(idx / rows / p.Heads);
            int g = h / (p.Heads / p.Groups);
            long s0 = (((long)b * p.Heads + h) * rows + i) * n;
            for (int t = 0; t < p.S; t++)
            {
                long row = ((long)b * p.S + t) * p.Heads + h, bo = (((long)b * p.S + t) * p.Groups + g) * n;
                float step = Softplus(dt[row] + dtBias[h]);
                float xi = x[row * rows + i];
                float acc = p.HasSkip != 0 ? d[h] * xi : 0f;
                for (int j = 0; j < n; j++)
                {
                    float decay = XMath.Exp(-step * XMath.Exp(aLog[p.PerStateDecay != 0 ? h * n + j : h]));
                    float hij = decay * state[s0 + j] + step * xi * bm[bo + j];
                    state[s0 + j] = hij;
                    acc += hij * cm[bo + j];
                }
                y[row * rows + i] = acc;
            }
        }
    }

    /// <summary>One thread per (row, group): RMSNorm of the group's C / Groups elements, times the per-channel weight.</summary>
    public static void GroupRmsNorm(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, RecurrentArgs p)
    {
        int size = p.C / p.Groups;
        long work = (long)p.B * p.Groups, stride = (long)Grid.DimX * Group.DimX;
        for (long idx = Grid.GlobalIndex.X; idx < work; idx += stride)
        {
            int g = (int)(idx % p.Groups);
            long o = idx / p.Groups * p.C + (long)g * size;
            float sum = 0f;
            for (int i = 0; i < size; i++) sum += x[o + i] * x[o + i];
            float inv = XMath.Rsqrt(sum / size + p.Eps);
            for (int i = 0; i < size; i++) y[o + i] = x[o + i] * inv * w[g * size + i];
        }
    }

    /// <summary>log(1 + exp(x)), x itself above 20 (torch's threshold).</summary>
    private static float Softplus(float x) => x > 20f ? x : XMath.Log(1f + XMath.Exp(x));
}
