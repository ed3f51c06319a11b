using System;

namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>
/// Group and grid sizes per device. Every kernel reads its group size at run time, so one kernel
/// serves both: on a GPU wide groups (a warp per GEMV row, 16 x 16 GEMM tiles of 4 x 4); on ILGPU's
/// CPU accelerator groups of one thread, because each emulated thread of a group is an OS thread
/// synchronised at every barrier (measured: about 1 µs per one-thread group, 20 µs and more per
/// wider group), and each thread loops over a tile or a grid-stride range instead.
/// </summary>
internal sealed class LaunchShape
{
    public int Threads { get; init; }
    public int GemmSide { get; init; }
    public int GemvThreads { get; init; }
    public int AttentionThreads { get; init; }
    public int MaxGroups { get; init; }

    public static LaunchShape Cpu { get; } = new() { Threads = 1, GemmSide = 1, GemvThreads = 1, AttentionThreads = 1, MaxGroups = 16 };

    public static LaunchShape Gpu(int multiprocessors) => new()
    {
        Threads = 256, GemmSide = 16, GemvThreads = 256, AttentionThreads = 64, MaxGroups = Math.Max(1, multiprocessors) * 16,
    };

    /// <summary>Groups for a grid-stride loop over <paramref name="work"/> items, each thread taking many.</summary>
    public int GridFor(long work, int threads) => (int)Math.Max(1, Math.Min(MaxGroups, (work + threads - 1) / threads));
}
