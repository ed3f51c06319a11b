namespace GraphDsl.Numerics;

/// <summary>
/// A row-major [Rows, Cols] matrix in an OCP MX format: element codes in <see cref="Data"/> (FP8: one byte
/// each, RowBytes = Cols; FP4: two per byte per <see cref="Packing"/>, RowBytes = ceil(Cols / 2), each row
/// starting on a byte) and one E8M0 scale per 32-column block in <see cref="Scales"/>, shaped [Rows, BlocksPerRow].
/// </summary>
public sealed class MxTensor
{
    public MxTensor(MxElementType elementType, int rows, int cols, byte[] data, byte[] scales)
    {
        if (data == null) throw new System.ArgumentNullException(nameof(data));
        if (scales == null) throw new System.ArgumentNullException(nameof(scales));
        ElementType = elementType;
        Layout = new BlockLayout(rows, cols, MxBlock.BlockSize);
        RowBytes = elementType == MxElementType.Fp4E2M1 ? Packing.PackedLength(cols) : cols;
        if (data.Length != rows * RowBytes) throw new System.ArgumentException("Data length does not match the shape.", nameof(data));
        if (scales.Length != Layout.ScaleCount) throw new System.ArgumentException("Scale count does not match the shape.", nameof(scales));
        Data = data;
        Scales = scales;
    }

    /// <summary>Element format.</summary>
    public MxElementType ElementType { get; }

    /// <summary>Shape and block geometry.</summary>
    public BlockLayout Layout { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => Layout.Rows;

    /// <summary>Number of columns.</summary>
    public int Cols => Layout.Cols;

    /// <summary>Bytes per row in <see cref="Data"/>.</summary>
    public int RowBytes { get; }

    /// <summary>Element codes, row by row.</summary>
    public byte[] Data { get; }

    /// <summary>E8M0 scale codes, [Rows, BlocksPerRow].</summary>
    public byte[] Scales { get; }

    /// <summary>Element code at (row, col).</summary>
    public byte ElementCode(int row, int col) =>
        ElementType == MxElementType.Fp4E2M1 ? Packing.GetNibble(Data, row * RowBytes, col) : Data[row * RowBytes + col];

    /// <summary>E8M0 scale code of the block holding (row, col).</summary>
    public byte ScaleCode(int row, int col) => Scales[row * Layout.BlocksPerRow + col / MxBlock.BlockSize];
}
