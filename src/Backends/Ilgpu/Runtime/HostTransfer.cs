using System;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>
/// Copies between host arrays and device views with the host array pinned. ILGPU's
/// <c>CopyToCPU(ref T, length)</c> and <c>CopyFromCPU(ref T, length)</c> take the array's raw address
/// and expect it pinned: a garbage collection that compacts the heap mid-copy moves the array and
/// the copy misses it (seen as a step whose logits read back all zero, about once in 400 steps on a
/// loaded 2-core machine) or writes into whatever moved there. Every transfer goes through here.
/// </summary>
internal static class HostTransfer
{
    /// <summary>The first <c>target.Length</c> elements of <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static unsafe void Download<T>(ArrayView<T> source, T[] target) where T : unmanaged
    {
        if (target.Length == 0) return;
        if (source.Length < target.Length) throw new ArgumentException($"the device view holds {source.Length} elements, fewer than the {target.Length} asked for");
        fixed (T* host = target)
            source.SubView(0, target.Length).CopyToCPU(ref *host, target.Length);
    }

    /// <summary><paramref name="source"/> into the first <c>source.Length</c> elements of <paramref name="target"/>.</summary>
    public static unsafe void Upload<T>(T[] source, ArrayView<T> target) where T : unmanaged
    {
        if (source.Length == 0) return;
        if (target.Length < source.Length) throw new ArgumentException($"the device view holds {target.Length} elements, fewer than the {source.Length} to upload");
        fixed (T* host = source)
            target.SubView(0, source.Length).CopyFromCPU(ref *host, source.Length);
    }
}
