using System;
using System.Collections.Generic;
using GraphDsl.Backends.Reference.Functions;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>Which rotation a table serves: the rotated dims and the frequency rule.</summary>
internal sealed record RopeKey(int Dims, double Theta, string Scaling, double Factor);

/// <summary>
/// cos and sin of pos * freq_i for positions [0, capacity) and each rotated pair, computed in double
/// on the host with the reference's frequencies and kept on the device; grown (doubling) when a step
/// reaches past the end, so a decode step uploads nothing.
/// </summary>
internal sealed class RopeTables : IDisposable
{
    private readonly Accelerator _acc;
    private readonly Dictionary<RopeKey, (int Capacity, MemoryBuffer1D<float, Stride1D.Dense> Cos, MemoryBuffer1D<float, Stride1D.Dense> Sin)> _tables = new();

    public RopeTables(Accelerator accelerator) { _acc = accelerator; }

    public (ArrayView<float> Cos, ArrayView<float> Sin) Get(RopeKey key, int positions)
    {
        if (_tables.TryGetValue(key, out var t) && t.Capacity >= positions) return (t.Cos.View, t.Sin.View);
        int capacity = Math.Max(256, Math.Max(positions, t.Capacity * 2));
        var freq = RopeFrequencies.Compute(key.Dims, key.Theta, key.Scaling, key.Factor);
        int half = key.Dims / 2;
        var cos = new float[Math.Max(1, capacity * half)];
        var sin = new float[cos.Length];
        for (int p = 0; p < capacity; p++)
            for (int i = 0; i < half; i++)
            {
                double angle = p * freq[i];
                cos[p * half + i] = (float)Math.Cos(angle);
                sin[p * half + i] = (float)Math.Sin(angle);
            }
        t.Cos?.Dispose();
        t.Sin?.Dispose();
        t = (capacity, _acc.Allocate1D(cos), _acc.Allocate1D(sin));
        _tables[key] = t;
        return (t.Cos.View, t.Sin.View);
    }

    public void Dispose()
    {
        foreach (var t in _tables.Values) { t.Cos.Dispose(); t.Sin.Dispose(); }
        _tables.Clear();
    }
}
