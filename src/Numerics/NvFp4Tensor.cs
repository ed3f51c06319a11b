using System;

namespace GraphDsl.Numerics;

/// <summary>
/// A row-major [Rows, Cols] matrix in NVFP4: E2M1 codes packed two per byte per row (see <see cref="Packing"/>,
/// RowBytes = ceil(Cols / 2)), one FP8 E4M3 block scale per 16 columns in <see cref="Scales"/>
/// ([Rows, BlocksPerRow]) and one FP32 <see cref="TensorScale"/>. Value = e2m1 * (e4m3 * TensorScale).
/// </summary>
public sealed class NvFp4Tensor
{
    public NvFp4Tensor(int rows, int cols, byte[] data, byte[] scales, float tensorScale)
    {
        if (data == null) throw new ArgumentNullException(nameof(data));
        if (scales == null) throw new ArgumentNullException(nameof(scales));
        Layout = new BlockLayout(rows, cols, NvFp4.BlockSize);
        RowBytes = Packing.PackedLength(cols);
        if (data.Length != rows * RowBytes) throw new ArgumentException("Data length does not match the shape.", nameof(data));
        if (scales.Length != Layout.ScaleCount) throw new ArgumentException("Scale count does not match the shape.", nameof(scales));
        Data = data;
        Scales = scales;
        TensorScale = tensorScale;
    }

    /// <summary>Shape and block geometry.</summary>
    public BlockLayout Layout { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => Layout.Rows;

    /// <summary>Number of columns.</summary>
    public int Cols => Layout.Cols;

    /// <summary>Bytes per row in <see cref="Data"/>.</summary>
    public int RowBytes { get; }

    /// <summary>Packed E2M1 codes.</summary>
    public byte[] Data { get; }

    /// <summary>FP8 E4M3 block scale codes, [Rows, BlocksPerRow].</summary>
    public byte[] Scales { get; }

    /// <summary>Second-level FP32 scale applied to every block scale.</summary>
    public float TensorScale { get; }

    /// <summary>E2M1 code at (row, col).</summary>
    public byte ElementCode(int row, int col) => Packing.GetNibble(Data, row * RowBytes, col);

    /// <summary>E4M3 block scale code of the block holding (row, col).</summary>
    public byte ScaleCode(int row, int col) => Scales[row * Layout.BlocksPerRow + col / NvFp4.BlockSize];
}
