using ILGPU;
using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>Sum and max over the threads of a group through shared memory (group sizes are powers of
/// two). Every thread gets the result; with one thread per group (the CPU accelerator) it is free.</summary>
public static class GroupReduce
{
    public const int MaxThreads = 1024;

    public static float Sum(ArrayView<float> scratch, float value)
    {
        int n = Group.DimX, t = Group.IdxX;
        if (n == 1) return value;
        scratch[t] = value;
        Group.Barrier();
        for (int stride = n / 2; stride > 0; stride /= 2)
        {
            if (t < stride) scratch[t] += scratch[t + stride];
            Group.Barrier();
        }
        float r = scratch[0];
        Group.Barrier();
        return r;
    }

    public static float Max(ArrayView<float> scratch, float value)
    {
        int n = Group.DimX, t = Group.IdxX;
        if (n == 1) return value;
        scratch[t] = value;
        Group.Barrier();
        for (int stride = n / 2; stride > 0; stride /= 2)
        {
            if (t < stride) scratch[t] = XMath.Max(scratch[t], scratch[t + stride]);
            Group.Barrier();
        }
        float r = scratch[0];
        Group.Barrier();
        return r;
    }
}
