using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>
/// A weight matrix as kernels see it: <see cref="Rows"/> rows of <see cref="Cols"/> elements (a GEMM
/// weight is stored n-major, [N, K], so a row is one output's reduction axis), each row starting every
/// <see cref="RowBytes"/> bytes (a multiple of 16, so 8-element chunks load as aligned words), in one of
/// the <see cref="WeightFormat"/> codes, with per-row block scales where the format has them. All views
/// alias one buffer; the format is uniform across a launch, so the switch never diverges.
/// </summary>
public struct WeightView
{
    public ArrayView<byte> Bytes;
    public ArrayView<uint> Words;
    public ArrayView<ulong> Longs;
    /// <summary>Block scales, row-major [Rows, ScalesPerRow]: fp16 bits (int), E8M0 or E4M3 bytes (mx, nvfp4).</summary>
    public ArrayView<byte> Scales;
    public int Format;
    public int Rows;
    public int Cols;
    public int RowBytes;
    public int Block;
    public int ScalesPerRow;
    public float TensorScale;

    /// <summary>Element (row, col), decoded exactly.</summary>
    public float Load(int row, int col)
    {
        long rowStart = (long)row * RowBytes;
        switch (Format)
        {
            case WeightFormat.F32:
                return Interop.IntAsFloat(Words[(rowStart >> 2) + col]);
            case WeightFormat.Bf16:
                return FormatDecode.Bf16(Bytes[rowStart + 2 * col] | (Bytes[rowStart + 2 * col + 1] << 8));
            case WeightFormat.F16:
                return FormatDecode.Fp16(Bytes[rowStart + 2 * col] | (Bytes[rowStart + 2 * col + 1] << 8));
            case WeightFormat.Fp8E4M3:
                return FormatDecode.Fp8E4M3(Bytes[rowStart + col]);
            case WeightFormat.Fp8E5M2:
                return FormatDecode.Fp8E5M2(Bytes[rowStart + col]);
            case WeightFormat.Int8:
                return (sbyte)Bytes[rowStart + col] * GroupScale(row, col);
            case WeightFormat.Int4:
                return FormatDecode.SignExtend4(Nibble(rowStart, col)) * GroupScale(row, col);
            case WeightFormat.MxFp4:
                return FormatDecode.Fp4E2M1(Nibble(rowStart, col)) * FormatDecode.E8M0(ScaleByte(row, col));
            case WeightFormat.MxFp8:
                return FormatDecode.Fp8E4M3(Bytes[rowStart + col]) * FormatDecode.E8M0(ScaleByte(row, col));
            case WeightFormat.NvFp4:
                return FormatDecode.Fp4E2M1(Nibble(rowStart, col)) * (FormatDecode.Fp8E4M3(ScaleByte(row, col)) * TensorScale);
            default:
                return 0f;
        }
    }

    /// <summary>True when 8-element chunks at multiples of 8 never straddle a scale block.</summary>
    public bool ChunksAligned => Block == 0 || (Block & 7) == 0;

    /// <summary>Elements (row, col .. col + 7) for col a multiple of 8 with col + 8 &lt;= Cols (and
    /// <see cref="ChunksAligned"/>): one or two word loads instead of eight byte loads.</summary>
    public Float8 Load8(int row, int col)
    {
        long rowStart = (long)row * RowBytes;
        var r = new Float8();
        switch (Format)
        {
            case WeightFormat.F32:
            {
                long w = (rowStart >> 2) + col;
                r.A0 = Interop.IntAsFloat(Words[w]); r.A1 = Interop.IntAsFloat(Words[w + 1]);
                r.A2 = Interop.IntAsFloat(Words[w + 2]); r.A3 = Interop.IntAsFloat(Words[w + 3]);
                r.A4 = Interop.IntAsFloat(Words[w + 4]); r.A5 = Interop.IntAsFloat(Words[w + 5]);
                r.A6 = Interop.IntAsFloat(Words[w + 6]); r.A7 = Interop.IntAsFloat(Words[w + 7]);
                return r;
            }
            case WeightFormat.Bf16:
            {
                long l = (rowStart >> 3) + (col >> 2);
                ulong lo = Longs[l], hi = Longs[l + 1];
                r.A0 = Interop.IntAsFloat((uint)(lo << 16)); r.A1 = Interop.IntAsFloat((uint)lo & 0xFFFF0000u);
                r.A2 = Interop.IntAsFloat((uint)(lo >> 16) & 0xFFFF0000u); r.A3 = Interop.IntAsFloat((uint)(lo >> 32) & 0xFFFF0000u);
                r.A4 = Interop.IntAsFloat((uint)(hi << 16)); r.A5 = Interop.IntAsFloat((uint)hi & 0xFFFF0000u);
                r.A6 = Interop.IntAsFloat((uint)(hi >> 16) & 0xFFFF0000u); r.A7 = Interop.IntAsFloat((uint)(hi >> 32) & 0xFFFF0000u);
                return r;
            }
            case WeightFormat.Fp8E4M3:
            {
                ulong v = Longs[(rowStart >> 3) + (col >> 3)];
                r.A0 = FormatDecode.Fp8E4M3((int)(v & 0xFF)); r.A1 = FormatDecode.Fp8E4M3((int)((v >> 8) & 0xFF));
                r.A2 = FormatDecode.Fp8E4M3((int)((v >> 16) & 0xFF)); r.A3 = FormatDecode.Fp8E4M3((int)((v >> 24) & 0xFF));
                r.A4 = FormatDecode.Fp8E4M3((int)((v >> 32) & 0xFF)); r.A5 = FormatDecode.Fp8E4M3((int)((v >> 40) & 0xFF));
                r.A6 = FormatDecode.Fp8E4M3((int)((v >> 48) & 0xFF)); r.A7 = FormatDecode.Fp8E4M3((int)((v >> 56) & 0xFF));
                return r;
            }
            case WeightFormat.Int4:
            {
                uint v = Words[(rowStart >> 2) + (col >> 3)];
                float s = GroupScale(row, col);
                r.A0 = FormatDecode.SignExtend4((int)v) * s; r.A1 = FormatDecode.SignExtend4((int)(v >> 4)) * s;
                r.A2 = FormatDecode.SignExtend4((int)(v >> 8)) * s; r.A3 = FormatDecode.SignExtend4((int)(v >> 12)) * s;
                r.A4 = FormatDecode.SignExtend4((int)(v >> 16)) * s; r.A5 = FormatDecode.SignExtend4((int)(v >> 20)) * s;
                r.A6 = FormatDecode.SignExtend4((int)(v >> 24)) * s; r.A7 = FormatDecode.SignExtend4((int)(v >> 28)) * s;
                return r;
            }
            case WeightFormat.MxFp4:
            {
                uint v = Words[(rowStart >> 2) + (col >> 3)];
                float s = FormatDecode.E8M0(ScaleByte(row, col));
                r.A0 = FormatDecode.Fp4E2M1((int)v) * s; r.A1 = FormatDecode.Fp4E2M1((int)(v >> 4)) * s;
                r.A2 = FormatDecode.Fp4E2M1((int)(v >> 8)) * s; r.A3 = FormatDecode.Fp4E2M1((int)(v >> 12)) * s;
                r.A4 = FormatDecode.Fp4E2M1((int)(v >> 16)) * s; r.A5 = FormatDecode.Fp4E2M1((int)(v >> 20)) * s;
                r.A6 = FormatDecode.Fp4E2M1((int)(v >> 24)) * s; r.A7 = FormatDecode.Fp4E2M1((int)(v >> 28)) * s;
                return r;
            }
            default:
                r.A0 = Load(row, col); r.A1 = Load(row, col + 1); r.A2 = Load(row, col + 2); r.A3 = Load(row, col + 3);
                r.A4 = Load(row, col + 4); r.A5 = Load(row, col + 5); r.A6 = Load(row, col + 6); r.A7 = Load(row, col + 7);
                return r;
        }
    }

    private int Nibble(long rowStart, int col) => (Bytes[rowStart + (col >> 1)] >> ((col & 1) << 2)) & 0xF;

    private int ScaleByte(int row, int col) => Scales[(long)row * ScalesPerRow + col / Block];

    private float GroupScale(int row, int col)
    {
        long at = ((long)row * ScalesPerRow + col / Block) * 2;
        return FormatDecode.Fp16(Scales[at] | (Scales[at + 1] << 8));
    }
}

/// <summary>Eight consecutive decoded elements (registers, not an array, so GPUs keep them in registers).</summary>
public struct Float8
{
    public float A0, A1, A2, A3, A4, A5, A6, A7;

    /// <summary>The dot product with x[at .. at + 7].</summary>
    public float Dot(ArrayView<float> x, long at) =>
        A0 * x[at] + A1 * x[at + 1] + A2 * x[at + 2] + A3 * x[at + 3] + A4 * x[at + 4] + A5 * x[at + 5] + A6 * x[at + 6] + A7 * x[at + 7];
}

/// <summary>The element format codes of <see cref="WeightView.Format"/>.</summary>
public static class WeightFormat
{
    public const int F32 = 0, Bf16 = 1, F16 = 2, Fp8E4M3 = 3, Fp8E5M2 = 4, Int8 = 5, Int4 = 6, MxFp4 = 7, MxFp8 = 8, NvFp4 = 9;
}
