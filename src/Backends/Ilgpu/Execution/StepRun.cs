using System;
using System.Collections.Generic;
using GraphDsl.Backends.Ilgpu.Lowering;
using GraphDsl.Backends.Ilgpu.Runtime;
using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>What an instruction sees when it runs: the step's arena, position, inputs, caches, tables
/// and the kernel library. Views of traced values resolve against the arena here.</summary>
internal sealed class StepRun
{
    public StepRun(ArrayView<float> arena, int past, IReadOnlyDictionary<string, float[]> inputs, DeviceCaches caches, RopeTables rope, DeviceKernels kernels)
    {
        Arena = arena; Past = past; Inputs = inputs; Caches = caches; Rope = rope; Kernels = kernels;
    }

    public ArrayView<float> Arena { get; }
    /// <summary>Absolute position of the step's first token.</summary>
    public int Past { get; }
    public IReadOnlyDictionary<string, float[]> Inputs { get; }
    public DeviceCaches Caches { get; }
    public RopeTables Rope { get; }
    public DeviceKernels Kernels { get; }

    public ArrayView<float> View(TValue t)
    {
        if (t.Slot is { } s) return Arena.SubView(s.Offset, Math.Max(1, t.Count));
        if (t.Fixed is { } f) return f;
        throw new InvalidOperationException($"value {t.ShapeText} has no device data here (a weight or cache used where an activation is needed)");
    }

    public ArrayView<int> Ints(TValue t) => View(t).Cast<int>();
}
