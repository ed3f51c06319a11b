using System;
using System.Buffers.Binary;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Types;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Ilgpu.Weights;

/// <summary>
/// A weight matrix [Rows, Cols] encoded in its stored format on the host, laid out as the device keeps
/// it: each row's codes padded to a multiple of 16 bytes (so 8-element chunks are aligned words), block
/// scales per row beside them. The codes are exactly what GraphDsl.Numerics' quantizers produce for
/// those rows, so the device decodes the values the reference interpreter computes with.
/// </summary>
public sealed class PackedWeight
{
    public int Format { get; private init; }
    public int Rows { get; private init; }
    public int Cols { get; private init; }
    public int RowBytes { get; private init; }
    public int Block { get; private init; }
    public int ScalesPerRow { get; private init; }
    public float TensorScale { get; private init; } = 1f;
    public byte[] Bytes { get; private init; } = Array.Empty<byte>();
    public byte[] Scales { get; private init; } = Array.Empty<byte>();

    /// <summary>Bytes the device holds (codes with row padding, plus scales).</summary>
    public long DeviceBytes => Bytes.LongLength + Scales.LongLength;

    /// <summary>True for the formats this layout stores packed; others are uploaded as f32 values.</summary>
    public static bool IsPackable(DType t) =>
        t == DType.F32 || t == DType.BF16 || t == DType.F16 || t == DType.Fp8E4M3 || t == DType.Fp8E5M2 ||
        t == DType.MxFp4 || t == DType.MxFp8 || t == DType.NvFp4 || (t.Kind == ElementKind.Int && t.Bits is 4 or 8 && t != DType.I32 && t != DType.I64);

    /// <summary>Encodes row-major values [rows, cols] (row = one output's reduction axis) in <paramref name="type"/>;
    /// block and group formats group along the row, as the reference's weight storage does.</summary>
    public static PackedWeight Pack(float[] values, int rows, int cols, DType type)
    {
        if (values.Length != (long)rows * cols) throw new ArgumentException($"{values.Length} values do not fill [{rows}, {cols}]");
        if (type == DType.BF16) return Elementwise(values, rows, cols, WeightFormat.Bf16, 2, (v, b) => BinaryPrimitives.WriteUInt16LittleEndian(b, Bf16.Encode(v)));
        if (type == DType.F16) return Elementwise(values, rows, cols, WeightFormat.F16, 2, (v, b) => BinaryPrimitives.WriteUInt16LittleEndian(b, Fp16.Encode(v)));
        if (type == DType.Fp8E4M3) return Elementwise(values, rows, cols, WeightFormat.Fp8E4M3, 1, (v, b) => b[0] = Fp8E4M3.Encode(v));
        if (type == DType.Fp8E5M2) return Elementwise(values, rows, cols, WeightFormat.Fp8E5M2, 1, (v, b) => b[0] = Fp8E5M2.Encode(v));
        if (type == DType.MxFp4 || type == DType.MxFp8)
        {
            var mx = MxBlock.Quantize(values, rows, cols, type == DType.MxFp4 ? MxElementType.Fp4E2M1 : MxElementType.Fp8E4M3);
            return Blocked(type == DType.MxFp4 ? WeightFormat.MxFp4 : WeightFormat.MxFp8, rows, cols, mx.Data, mx.RowBytes, MxBlock.BlockSize,
                mx.Layout.BlocksPerRow, mx.Scales, 1f);
        }
        if (type == DType.NvFp4)
        {
            var nv = NvFp4.Quantize(values, rows, cols);
            return Blocked(WeightFormat.NvFp4, rows, cols, nv.Data, nv.RowBytes, NvFp4.BlockSize, nv.Layout.BlocksPerRow, nv.Scales, nv.TensorScale);
        }
        if (type.Kind == ElementKind.Int && type.Bits is 4 or 8)
        {
            int group = type.BlockSize > 0 ? type.BlockSize : Math.Max(cols, 1);
            var q = IntQuant.Quantize(values, rows, cols, type.Bits, group);
            var scales = new byte[q.Scales.Length * 2];
            for (int i = 0; i < q.Scales.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(scales.AsSpan(2 * i), q.Scales[i]);
            return Blocked(type.Bits == 4 ? WeightFormat.Int4 : WeightFormat.Int8, rows, cols, q.Data, q.RowBytes, group, q.Layout.BlocksPerRow, scales, 1f);
        }
        return Elementwise(values, rows, cols, WeightFormat.F32, 4, (v, b) => BinaryPrimitives.WriteSingleLittleEndian(b, v));
    }

    private static int Padded(long bytes) => checked((int)((bytes + 15) / 16 * 16));

    private static PackedWeight Elementwise(float[] values, int rows, int cols, int format, int size, SpanWriter write)
    {
        int rowBytes = Padded((long)cols * size);
        var bytes = new byte[checked((long)rows * rowBytes)];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) write(values[(long)r * cols + c], bytes.AsSpan((int)((long)r * rowBytes + (long)c * size), size));
        return new PackedWeight { Format = format, Rows = rows, Cols = cols, RowBytes = rowBytes, Bytes = bytes };
    }

    private static PackedWeight Blocked(int format, int rows, int cols, byte[] codes, int codeRowBytes, int block, int blocksPerRow, byte[] scales, float tensorScale)
    {
        int rowBytes = Padded(codeRowBytes);
        var bytes = new byte[checked((long)rows * rowBytes)];
        for (int r = 0; r < rows; r++) Array.Copy(codes, (long)r * codeRowBytes, bytes, (long)r * rowBytes, codeRowBytes);
        return new PackedWeight
        {
            Format = format, Rows = rows, Cols = cols, RowBytes = rowBytes, Block = block, ScalesPerRow = blocksPerRow,
            Bytes = bytes, Scales = scales, TensorScale = tensorScale,
        };
    }

    /// <summary>Rows of several weights with the same columns, format and tensor scale, stacked (a fused QKV or gate|up projection).</summary>
    public static PackedWeight Stack(PackedWeight[] parts)
    {
        var first = parts[0];
        foreach (var p in parts)
            if (p.Format != first.Format || p.Cols != first.Cols || p.RowBytes != first.RowBytes || p.Block != first.Block || p.TensorScale != first.TensorScale)
                throw new ArgumentException("stacked weights must share columns, format and scales");
        var bytes = new byte[Sum(parts, p => p.Bytes.LongLength)];
        var scales = new byte[Sum(parts, p => p.Scales.LongLength)];
        long b = 0, s = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Bytes, 0, bytes, b, p.Bytes.LongLength); b += p.Bytes.LongLength;
            Array.Copy(p.Scales, 0, scales, s, p.Scales.LongLength); s += p.Scales.LongLength;
        }
        return new PackedWeight
        {
            Format = first.Format, Rows = (int)Sum(parts, p => p.Rows), Cols = first.Cols, RowBytes = first.RowBytes, Block = first.Block,
            ScalesPerRow = first.ScalesPerRow, TensorScale = first.TensorScale, Bytes = bytes, Scales = scales,
        };
    }

    /// <summary>True when <see cref="Stack"/> can join these.</summary>
    public static bool CanStack(PackedWeight[] parts)
    {
        foreach (var p in parts)
            if (p.Format != parts[0].Format || p.Cols != parts[0].Cols || p.Block != parts[0].Block || p.TensorScale != parts[0].TensorScale) return false;
        return true;
    }

    private static long Sum(PackedWeight[] parts, Func<PackedWeight, long> f)
    {
        long total = 0;
        foreach (var p in parts) total += f(p);
        return total;
    }

    private delegate void SpanWriter(float value, Span<byte> destination);
}
