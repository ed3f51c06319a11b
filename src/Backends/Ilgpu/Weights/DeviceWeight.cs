using System;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Weights;

/// <summary>A packed weight uploaded to the device; <see cref="View"/> is what kernels take.</summary>
internal sealed class DeviceWeight : IDisposable
{
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _bytes;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _scales;

    public DeviceWeight(Accelerator accelerator, PackedWeight packed)
    {
        Packed = packed;
        // Whole 8-byte words, so the word views below cover every byte.
        _bytes = accelerator.Allocate1D<byte>(Math.Max(16, (packed.Bytes.LongLength + 15) / 16 * 16));
        _bytes.MemSetToZero();
        HostTransfer.Upload(packed.Bytes, _bytes.View);
        _scales = accelerator.Allocate1D<byte>(Math.Max(16, packed.Scales.LongLength));
        HostTransfer.Upload(packed.Scales, _scales.View);
        ArrayView<byte> bytes = _bytes.View;
        View = new WeightView
        {
            Bytes = bytes, Words = bytes.Cast<uint>(), Longs = bytes.Cast<ulong>(), Scales = _scales.View,
            Format = packed.Format, Rows = packed.Rows, Cols = packed.Cols, RowBytes = packed.RowBytes, Block = packed.Block,
            ScalesPerRow = packed.ScalesPerRow, TensorScale = packed.TensorScale,
        };
    }

    public PackedWeight Packed { get; }
    public WeightView View { get; }
    public long Bytes => _bytes.LengthInBytes + _scales.LengthInBytes;

    public void Dispose()
    {
        _bytes.Dispose();
        _scales.Dispose();
    }

    /// <summary>An f32 activation [rows, cols] seen as a weight (a matmul whose w is computed).</summary>
    public static WeightView OverActivation(ArrayView<float> data, int rows, int cols, ArrayView<byte> noScales) => new()
    {
        Bytes = data.Cast<byte>(), Words = data.Cast<uint>(), Longs = data.SubView(0, Math.Max(2, data.Length) / 2 * 2).Cast<ulong>(), Scales = noScales,
        Format = WeightFormat.F32, Rows = rows, Cols = cols, RowBytes = cols * 4, Block = 0, ScalesPerRow = 0, TensorScale = 1f,
    };
}
