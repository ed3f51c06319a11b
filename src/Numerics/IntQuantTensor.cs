using System;

namespace GraphDsl.Numerics;

/// <summary>
/// A row-major [Rows, Cols] matrix quantized to int8 or int4 in groups of <see cref="GroupSize"/> columns,
/// with one FP16 scale per group (<see cref="Scales"/>, [Rows, GroupsPerRow], binary16 bits) and, when
/// asymmetric, one unsigned zero point per group (<see cref="ZeroPoints"/>, one byte each even for int4).
/// Codes: symmetric int8 = two's-complement sbyte in [-127, 127]; symmetric int4 = two's-complement nibble
/// in [-7, 7]; asymmetric = unsigned in [0, 255] or [0, 15]. int4 codes are packed two per byte per row.
/// Value = (q - zeroPoint) * scale (zeroPoint 0 when symmetric).
/// </summary>
public sealed class IntQuantTensor
{
    public IntQuantTensor(int bits, int rows, int cols, int groupSize, byte[] data, ushort[] scales, byte[]? zeroPoints)
    {
        if (bits != 4 && bits != 8) throw new ArgumentOutOfRangeException(nameof(bits), "Only 4- and 8-bit codes are supported.");
        if (data == null) throw new ArgumentNullException(nameof(data));
        if (scales == null) throw new ArgumentNullException(nameof(scales));
        Bits = bits;
        Layout = new BlockLayout(rows, cols, groupSize);
        RowBytes = bits == 4 ? Packing.PackedLength(cols) : cols;
        if (data.Length != rows * RowBytes) throw new ArgumentException("Data length does not match the shape.", nameof(data));
        if (scales.Length != Layout.ScaleCount) throw new ArgumentException("Scale count does not match the shape.", nameof(scales));
        if (zeroPoints != null && zeroPoints.Length != Layout.ScaleCount) throw new ArgumentException("Zero point count does not match the shape.", nameof(zeroPoints));
        Data = data;
        Scales = scales;
        ZeroPoints = zeroPoints;
    }

    /// <summary>4 or 8.</summary>
    public int Bits { get; }

    /// <summary>True when there are no zero points (signed codes, zero maps to zero).</summary>
    public bool Symmetric => ZeroPoints == null;

    /// <summary>Shape and group geometry.</summary>
    public BlockLayout Layout { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => Layout.Rows;

    /// <summary>Number of columns.</summary>
    public int Cols => Layout.Cols;

    /// <summary>Columns per group (Cols for per-channel, i.e. per-row, quantization).</summary>
    public int GroupSize => Layout.BlockSize;

    /// <summary>Bytes per row in <see cref="Data"/>.</summary>
    public int RowBytes { get; }

    /// <summary>Codes, row by row.</summary>
    public byte[] Data { get; }

    /// <summary>FP16 scale bits, [Rows, GroupsPerRow].</summary>
    public ushort[] Scales { get; }

    /// <summary>Unsigned zero points, [Rows, GroupsPerRow]; null when symmetric.</summary>
    public byte[]? ZeroPoints { get; }

    /// <summary>The integer code at (row, col) as a signed (symmetric) or unsigned (asymmetric) number.</summary>
    public int Code(int row, int col)
    {
        if (Bits == 8)
        {
            byte raw = Data[row * RowBytes + col];
            return Symmetric ? (sbyte)raw : raw;
        }
        int nibble = Packing.GetNibble(Data, row * RowBytes, col);
        return Symmetric ? IntQuant.SignExtend4(nibble) : nibble;
    }

    /// <summary>Index of the scale and zero point of the group holding (row, col).</summary>
    public int GroupIndex(int row, int col) => row * Layout.BlocksPerRow + col / GroupSize;
}
