using System;
using System.Collections.Generic;
using GraphDsl.Backends.Ilgpu.Lowering;
using GraphDsl.Backends.Ilgpu.Runtime;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>
/// One kv.cache op's entries for one repeat iteration on the device: [batch, capacity, inner] with
/// entry j at absolute position j. Capacity doubles when a step needs more (a copy of the rows held).
/// A sliding-window cache keeps the whole history and its window is applied as the first key
/// attention reads, which sees exactly what the reference's window returns.
/// </summary>
internal sealed class DeviceCache : IDisposable
{
    private readonly Accelerator _acc;
    private MemoryBuffer1D<float, Stride1D.Dense> _buffer;

    public DeviceCache(Accelerator accelerator, int batch, int inner, int capacity)
    {
        _acc = accelerator; Batch = batch; Inner = inner; Capacity = capacity;
        _buffer = accelerator.Allocate1D<float>(Math.Max(1, (long)batch * capacity * inner));
    }

    public int Batch { get; }
    public int Inner { get; }
    public int Capacity { get; private set; }
    public ArrayView<float> View => _buffer.View;
    public long Bytes => _buffer.LengthInBytes;

    public void EnsureCapacity(int needed, int held, DeviceKernels kernels)
    {
        if (needed <= Capacity) return;
        int capacity = Math.Max(needed, Capacity * 2);
        var grown = _acc.Allocate1D<float>((long)Batch * capacity * Inner);
        kernels.Copy2D(_buffer.View, grown.View, Batch, held * Inner, (long)Capacity * Inner, (long)capacity * Inner);
        _buffer.Dispose();
        _buffer = grown;
        Capacity = capacity;
    }

    public void Zero() => _buffer.MemSetToZero();

    public void Dispose() => _buffer.Dispose();
}

/// <summary>Every device cache of a program, and the tokens processed so far (the next token's position).</summary>
internal sealed class DeviceCaches : IDisposable
{
    private readonly Dictionary<(GraphDsl.Ir.Graph.Operation, string), DeviceCache> _caches = new();
    private readonly Accelerator _acc;

    public DeviceCaches(Accelerator accelerator) { _acc = accelerator; }

    public int TokensSeen { get; set; }
    public int? Batch { get; set; }
    public long Bytes { get { long b = 0; foreach (var c in _caches.Values) b += c.Bytes; return b; } }

    public DeviceCache Get(CacheHandle handle, int batch, int needed)
    {
        if (!_caches.TryGetValue((handle.Op, handle.Path), out var cache))
        {
            cache = new DeviceCache(_acc, batch, handle.Inner, Math.Max(64, needed));
            _caches[(handle.Op, handle.Path)] = cache;
        }
        return cache;
    }

    /// <summary>A recurrent op's state for one repeat iteration, [batch, inner], zero until the op's first step writes it.</summary>
    public DeviceCache State(CacheHandle handle, int batch)
    {
        if (!_caches.TryGetValue((handle.Op, handle.Path), out var state))
        {
            state = new DeviceCache(_acc, batch, handle.Inner, 1);
            state.Zero();
            _caches[(handle.Op, handle.Path)] = state;
        }
        return state;
    }

    public void Reset()
    {
        foreach (var c in _caches.Values) c.Dispose();
        _caches.Clear();
        TokensSeen = 0;
        Batch = null;
    }

    public void Dispose() => Reset();
}
