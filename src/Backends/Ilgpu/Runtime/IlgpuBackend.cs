using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>
/// An ILGPU context and accelerator with the kernel library loaded on it. Create one per process
/// and device (kernels compile once per backend, on first use) and run any number of programs on it.
/// </summary>
public sealed class IlgpuBackend : IDisposable
{
    private readonly Context _context;

    private IlgpuBackend(Context context, Accelerator accelerator, BackendDevice device, LaunchShape shape)
    {
        _context = context;
        Accelerator = accelerator;
        Device = device;
        Kernels = new DeviceKernels(accelerator, shape);
    }

    public BackendDevice Device { get; }

    /// <summary>The accelerator's name, e.g. "NVIDIA H100 80GB HBM3" or "CPUAccelerator".</summary>
    public string DeviceName => Accelerator.Name;

    internal Accelerator Accelerator { get; }
    internal DeviceKernels Kernels { get; }

    /// <summary>
    /// The CPU accelerator runs one emulated multiprocessor per core, in parallel, with groups of one
    /// thread: the cheapest launch there is (no barrier costs), and every core streams memory (measured
    /// on 2 cores: twice the STREAM copy and GEMV rate of one sequential multiprocessor).
    /// CUDA takes the first GPU; without one this throws <see cref="ExecutionFailure.NoDevice"/>.
    /// </summary>
    public static IlgpuBackend Create(BackendDevice device)
    {
        if (device == BackendDevice.Cpu)
        {
            var cpu = new CPUDevice(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 1, numMultiprocessors: Environment.ProcessorCount);
            var context = Context.Create(b => b.CPU(cpu).EnableAlgorithms().Optimize(OptimizationLevel.O2));
            return new IlgpuBackend(context, cpu.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel), device, LaunchShape.Cpu);
        }
        Context? cuda = null;
        try
        {
            cuda = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
            var devices = cuda.GetCudaDevices();
            if (devices.Count == 0)
                throw new IlgpuExecutionException(ExecutionFailure.NoDevice, "no CUDA device was found (is an NVIDIA GPU and its driver present?)");
            var accelerator = devices[0].CreateCudaAccelerator(cuda);
            return new IlgpuBackend(cuda, accelerator, device, LaunchShape.Gpu(accelerator.NumMultiprocessors));
        }
        catch (Exception e) when (e is not IlgpuExecutionException)
        {
            cuda?.Dispose();
            throw new IlgpuExecutionException(ExecutionFailure.NoDevice, $"no usable CUDA device: {e.Message}", e);
        }
        catch
        {
            cuda?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The CPU accelerator shaped like a GPU: 32-thread warps and wide groups, so the code paths a GPU
    /// runs (shared-memory GEMM tiles of 8 x 8 threads, warp-shuffle GEMV reductions, group reductions in
    /// attention and norms) execute and can be checked without one. Every emulated thread is an OS thread
    /// synchronised at each barrier, so this is for small tests only.
    /// </summary>
    internal static IlgpuBackend CreateGpuShapedCpu()
    {
        var cpu = new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 4, numMultiprocessors: 2);
        var context = Context.Create(b => b.CPU(cpu).EnableAlgorithms().Optimize(OptimizationLevel.O2));
        var shape = new LaunchShape { Threads = 64, GemmSide = 8, GemvThreads = 64, AttentionThreads = 32, MaxGroups = 8 };
        return new IlgpuBackend(context, cpu.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel), BackendDevice.Cpu, shape);
    }

    /// <summary>Compiles the whole kernel library (otherwise each kernel compiles on its first launch).</summary>
    public void CompileKernels() => Kernels.CompileAll();

    public void Dispose()
    {
        Kernels.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
