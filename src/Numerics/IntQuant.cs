using System;

namespace GraphDsl.Numerics;

/// <summary>
/// Integer group quantization (int8/int4) along the columns of a row-major matrix, with FP16 scales.
/// Symmetric (default): scale = smallest FP16 &gt;= amax / qmax with qmax 127 or 7, q = RNE(x / scale).
/// Asymmetric: the range [min(min, 0), max(max, 0)] maps onto [0, 2^bits - 1] with scale = smallest FP16
/// &gt;= range / (2^bits - 1) and zero point z = RNE(-lo / scale); q = clamp(RNE(x / scale) + z).
/// Rounding the scale UP (not to nearest) guarantees every finite element lands within half a step:
/// |x - dequant(q)| &lt;= scale / 2. Policies: a group with NaN or ±Inf gets the FP16 NaN scale and zero codes,
/// so it decodes as NaN; an all-zero group gets scale 0; if range / qmax exceeds 65504 the scale saturates at
/// 65504 and codes clamp (the half-step bound then no longer holds).
/// </summary>
public static class IntQuant
{
    /// <summary>Largest symmetric code magnitude: 127 for int8, 7 for int4 (-128 / -8 are never produced).</summary>
    public static int SymmetricMax(int bits) => (1 << (bits - 1)) - 1;

    /// <summary>Largest asymmetric code: 255 for uint8, 15 for uint4.</summary>
    public static int AsymmetricMax(int bits) => (1 << bits) - 1;

    /// <summary>Two's-complement value of a 4-bit code.</summary>
    public static int SignExtend4(int nibble) => ((nibble & 0xF) ^ 0x8) - 0x8;

    /// <summary>
    /// Smallest FP16 code whose value is &gt;= <paramref name="target"/> (a non-negative finite number),
    /// saturating at 65504.
    /// </summary>
    public static ushort CeilingFp16(double target)
    {
        ushort code = Fp16.EncodeSaturating((float)target);
        // Rounding to float then to FP16 can only land on a neighbour of target, never cross an FP16 value,
        // so one step up is enough. Positive FP16 codes are ordered like their values.
        if (Fp16.Decode(code) < target && code < Fp16.MaxFiniteCode) code++;
        return code;
    }

    /// <summary>(q - zeroPoint) * scale in binary32; exact because both factors are short.</summary>
    public static float DequantizeElement(int code, int zeroPoint, ushort scaleBits) => (code - zeroPoint) * Fp16.Decode(scaleBits);

    /// <summary>Quantizes a row-major [rows, cols] matrix in groups of <paramref name="groupSize"/> columns.</summary>
    public static IntQuantTensor Quantize(float[] data, int rows, int cols, int bits, int groupSize, bool symmetric = true)
    {
        if (bits != 4 && bits != 8) throw new ArgumentOutOfRangeException(nameof(bits), "Only 4- and 8-bit codes are supported.");
        var layout = new BlockLayout(data, rows, cols, groupSize);
        int rowBytes = bits == 4 ? Packing.PackedLength(cols) : cols;
        var codes = new byte[rows * rowBytes];
        var scales = new ushort[layout.ScaleCount];
        byte[]? zeroPoints = symmetric ? null : new byte[layout.ScaleCount];
        for (int r = 0; r < rows; r++)
        {
            for (int g = 0; g < layout.BlocksPerRow; g++)
            {
                int start = r * cols + layout.BlockStart(g);
                int length = layout.BlockLength(g);
                int groupIndex = r * layout.BlocksPerRow + g;
                var stats = BlockStats.Of(data, start, length);
                if (stats.HasNonFinite) { scales[groupIndex] = Fp16.NaN; continue; }

                int zeroPoint = 0, qMin, qMax;
                ushort scale;
                if (symmetric)
                {
                    qMax = SymmetricMax(bits);
                    qMin = -qMax;
                    scale = CeilingFp16((double)stats.AbsMax / qMax);
                }
                else
                {
                    qMin = 0;
                    qMax = AsymmetricMax(bits);
                    scale = AsymmetricScale(stats.Min, stats.Max, qMax, out zeroPoint);
                    zeroPoints![groupIndex] = (byte)zeroPoint;
                }
                scales[groupIndex] = scale;
                double step = Fp16.Decode(scale);
                if (step == 0) continue; // all zeros: codes (and zero point) stay 0

                for (int i = 0; i < length; i++)
                {
                    // double division decides ties correctly for float / FP16 operands; Math.Round is half-to-even.
                    double q = Math.Round(data[start + i] / step) + zeroPoint;
                    int code = (int)Math.Max(qMin, Math.Min(qMax, q));
                    int col = layout.BlockStart(g) + i;
                    if (bits == 4) Packing.SetNibble(codes, r * rowBytes, col, code);
                    else codes[r * rowBytes + col] = unchecked((byte)code);
                }
            }
        }
        return new IntQuantTensor(bits, rows, cols, groupSize, codes, scales, zeroPoints);
    }

    /// <summary>Per-channel quantization: one group per row.</summary>
    public static IntQuantTensor QuantizePerChannel(float[] data, int rows, int cols, int bits, bool symmetric = true) =>
        Quantize(data, rows, cols, bits, Math.Max(cols, 1), symmetric);

    /// <summary>Decodes every element back to binary32, row-major [Rows, Cols].</summary>
    public static float[] Dequantize(IntQuantTensor tensor)
    {
        if (tensor == null) throw new ArgumentNullException(nameof(tensor));
        var result = new float[tensor.Rows * tensor.Cols];
        for (int r = 0; r < tensor.Rows; r++)
        {
            for (int c = 0; c < tensor.Cols; c++)
            {
                int group = tensor.GroupIndex(r, c);
                int zeroPoint = tensor.ZeroPoints == null ? 0 : tensor.ZeroPoints[group];
                result[r * tensor.Cols + c] = DequantizeElement(tensor.Code(r, c), zeroPoint, tensor.Scales[group]);
            }
        }
        return result;
    }

    // Scale and zero point for [lo, hi] (lo <= 0 <= hi): ceil the scale, then step it up in the rare case that
    // rounding the zero point pushes an end of the range more than half a step outside [0, qMax].
    private static ushort AsymmetricScale(float lo, float hi, int qMax, out int zeroPoint)
    {
        ushort scale = CeilingFp16(((double)hi - lo) / qMax);
        while (true)
        {
            double step = Fp16.Decode(scale);
            if (step == 0) { zeroPoint = 0; return scale; }
            zeroPoint = (int)Math.Max(0, Math.Min(qMax, Math.Round(-lo / step)));
            bool fits = hi / step + zeroPoint <= qMax + 0.5 && lo / step + zeroPoint >= -0.5;
            if (fits || scale >= Fp16.MaxFiniteCode) return scale;
            scale++;
        }
    }
}
