using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

public struct RopeArgs
{
    public int B, S, H, D;
    /// <summary>Rotated pairs: dims / 2; pair i rotates (i, i + Half).</summary>
    public int Half;
    /// <summary>Position of the step's first token.</summary>
    public int Past;
}

/// <summary>
/// Rotary embedding in the rotate-half convention on [b, s, h, d] at each token's absolute position.
/// cos and sin come from a table [position, pair] computed on the host in double precision (as the
/// reference computes its angles), so large positions lose nothing to f32 angle arithmetic. Grid-stride
/// over (token, head) rows; each thread rotates a whole head vector and copies the unrotated tail.
/// </summary>
public static class RopeKernels
{
    public static void Rope(ArrayView<float> x, ArrayView<float> y, ArrayView<float> cos, ArrayView<float> sin, RopeArgs p)
    {
        int rows = p.B * p.S * p.H;
        int stride = Grid.DimX * Group.DimX;
        for (int row = Grid.GlobalIndex.X; row < rows; row += stride)
        {
            int s = row / p.H % p.S;
            long o = (long)row * p.D;
            long table = (long)(p.Past + s) * p.Half;
            for (int i = 0; i < p.Half; i++)
            {
                float c = cos[table + i], sn = sin[table + i];
                float first = x[o + i], second = x[o + i + p.Half];
                y[o + i] = first * c - second * sn;
                y[o + i + p.Half] = second * c + first * sn;
            }
            for (int i = 2 * p.Half; i < p.D; i++) y[o + i] = x[o + i];
        }
    }
}
