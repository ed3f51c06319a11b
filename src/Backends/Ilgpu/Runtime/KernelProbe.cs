using System;
using System.Diagnostics;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Backends.Ilgpu.Weights;
using GraphDsl.Ir.Types;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>One timed kernel: seconds per launch (best of the repeats) and the bytes and FLOPs it moves.</summary>
public sealed record KernelTiming(string Kernel, double Seconds, double Bytes, double Flops)
{
    public double GigabytesPerSecond => Bytes / Seconds / 1e9;
    public double TeraflopsPerSecond => Flops / Seconds / 1e12;
}

/// <summary>
/// Measures the backend's kernels on its device in isolation: a STREAM-style copy (the memory
/// bandwidth the device actually reaches, the peer a GEMV is compared with), the decode GEMV at a given
/// shape and weight format (bytes = the packed weights streamed once), and the tiled GEMM (FLOPs =
/// 2 M N K). Each is launched once to compile and warm up, then timed as the best of several runs.
/// </summary>
public sealed class KernelProbe
{
    private readonly IlgpuBackend _backend;

    public KernelProbe(IlgpuBackend backend) { _backend = backend ?? throw new ArgumentNullException(nameof(backend)); }

    public KernelTiming StreamCopy(long bytes, int repeats = 5)
    {
        long words = Math.Max(1, bytes / 8);
        var acc = _backend.Accelerator;
        using var src = acc.Allocate1D<ulong>(words);
        using var dst = acc.Allocate1D<ulong>(words);
        src.MemSetToZero();
        double best = Time(() => _backend.Kernels.Stream(src.View, dst.View, words), repeats);
        return new KernelTiming("stream copy", best, 2.0 * words * 8, 0);
    }

    /// <summary>y[rows, N] = x[rows, K] . W[N, K] with W stored in <paramref name="format"/>.</summary>
    public KernelTiming Gemv(int n, int k, DType format, int rows = 1, int repeats = 5)
    {
        if (rows < 1 || rows > 4) throw new ArgumentOutOfRangeException(nameof(rows), "the GEMV kernel takes 1 to 4 rows");
        var acc = _backend.Accelerator;
        using var weight = new DeviceWeight(acc, PackedWeight.Pack(Values((long)n * k, 1), n, k, format));
        using var x = acc.Allocate1D(Values((long)rows * k, 2));
        using var y = acc.Allocate1D<float>((long)rows * n);
        var p = new GemvArgs { M = rows, N = n, K = k, Lda = k, Ldc = n, Ldr = n, PairDiv = 1 };
        double best = Time(() => _backend.Kernels.Gemv(x.View, weight.View, y.View, p), repeats);
        return new KernelTiming($"gemv {format} [{rows}x{k}] . [{n}x{k}]^T", best, weight.Packed.DeviceBytes + 4.0 * rows * (k + n), 2.0 * rows * n * k);
    }

    /// <summary>C[M, N] = A[M, K] . W[N, K] with W stored in <paramref name="format"/>.</summary>
    public KernelTiming Gemm(int m, int n, int k, DType format, int repeats = 3)
    {
        var acc = _backend.Accelerator;
        using var weight = new DeviceWeight(acc, PackedWeight.Pack(Values((long)n * k, 3), n, k, format));
        using var a = acc.Allocate1D(Values((long)m * k, 4));
        using var c = acc.Allocate1D<float>((long)m * n);
        var p = new GemmArgs { M = m, N = n, K = k, Lda = k, Ldc = n, Ldr = n, GatherDiv = 1 };
        double best = Time(() => _backend.Kernels.Gemm(a.View, weight.View, c.View, p), repeats);
        return new KernelTiming($"gemm {format} [{m}x{k}] . [{n}x{k}]^T", best, weight.Packed.DeviceBytes + 4.0 * m * (k + n), 2.0 * m * n * k);
    }

    private double Time(Action launch, int repeats)
    {
        launch();
        _backend.Accelerator.Synchronize();
        double best = double.PositiveInfinity;
        for (int i = 0; i < Math.Max(1, repeats); i++)
        {
            var started = Stopwatch.GetTimestamp();
            launch();
            _backend.Accelerator.Synchronize();
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return best;
    }

    private static float[] Values(long count, int seed)
    {
        var random = new Random(seed);
        var v = new float[count];
        for (long i = 0; i < count; i++) v[i] = (float)(random.NextDouble() - 0.5);
        return v;
    }
}
