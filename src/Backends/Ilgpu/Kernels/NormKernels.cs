using ILGPU;
using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>One normalization launch: rows of D elements, optionally the sum of two inputs first.</summary>
public struct NormArgs
{
    public int Rows, D;
    public float Eps;
    /// <summary>0 RMSNorm, 1 LayerNorm, 2 softmax (no weight).</summary>
    public int Kind;
    public int HasBias;
    /// <summary>1: the row is a + b, and the sum is written too (a residual add fused with its norm).</summary>
    public int AddInputs;
}

/// <summary>
/// RMSNorm, LayerNorm and softmax over the last axis. A group owns a row at a time (the grid strides
/// over rows); its threads stride over the row's elements and combine partial sums in shared memory.
/// The optional residual add writes x = a + b and normalizes it in the same pass.
/// </summary>
public static class NormKernels
{
    public static void Norm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> sum, ArrayView<float> y, NormArgs p)
    {
        var scratch = SharedMemory.Allocate<float>(GroupReduce.MaxThreads);
        int threads = Group.DimX, t = Group.IdxX;
        for (int row = Grid.IdxX; row < p.Rows; row += Grid.DimX)
        {
            long o = (long)row * p.D;
            if (p.AddInputs != 0)
            {
                for (int i = t; i < p.D; i += threads) sum[o + i] = a[o + i] + b[o + i];
                Group.Barrier();
            }
            var x = p.AddInputs != 0 ? sum : a;
            if (p.Kind == 0)
            {
                float sq = 0;
                for (int i = t; i < p.D; i += threads) sq += x[o + i] * x[o + i];
                sq = GroupReduce.Sum(scratch, sq);
                float inv = XMath.Rsqrt(sq / p.D + p.Eps);
                for (int i = t; i < p.D; i += threads) y[o + i] = x[o + i] * inv * weight[i];
            }
            else if (p.Kind == 1)
            {
                float s = 0;
                for (int i = t; i < p.D; i += threads) s += x[o + i];
                float mean = GroupReduce.Sum(scratch, s) / p.D;
                float v = 0;
                for (int i = t; i < p.D; i += threads) v += (x[o + i] - mean) * (x[o + i] - mean);
                float inv = XMath.Rsqrt(GroupReduce.Sum(scratch, v) / p.D + p.Eps);
                for (int i = t; i < p.D; i += threads)
                    y[o + i] = (x[o + i] - mean) * inv * weight[i] + (p.HasBias != 0 ? bias[i] : 0f);
            }
            else
            {
                float m = float.NegativeInfinity;
                for (int i = t; i < p.D; i += threads) m = XMath.Max(m, x[o + i]);
                m = GroupReduce.Max(scratch, m);
                float s = 0;
                for (int i = t; i < p.D; i += threads) s += XMath.Exp(x[o + i] - m);
                s = GroupReduce.Sum(scratch, s);
                for (int i = t; i < p.D; i += threads) y[o + i] = XMath.Exp(x[o + i] - m) / s;
            }
            Group.Barrier();
        }
    }
}
