using System;

namespace GraphDsl.Numerics;

/// <summary>
/// Geometry shared by the block/group quantizers: a row-major [rows, cols] matrix cut into blocks of
/// <see cref="BlockSize"/> consecutive columns. When cols is not a multiple of the block size the last block
/// of every row is partial (cols mod blockSize elements); its scale is computed from those elements only.
/// Scales are stored row-major as [rows, BlocksPerRow].
/// </summary>
public readonly struct BlockLayout
{
    /// <summary>Validates the shape against <paramref name="data"/> and builds the layout.</summary>
    public BlockLayout(float[] data, int rows, int cols, int blockSize)
        : this(rows, cols, blockSize)
    {
        if (data == null) throw new ArgumentNullException(nameof(data));
        if ((long)rows * cols != data.Length)
            throw new ArgumentException($"Expected rows * cols = {(long)rows * cols} values, got {data.Length}.", nameof(data));
    }

    /// <summary>Builds the layout for a [rows, cols] matrix.</summary>
    public BlockLayout(int rows, int cols, int blockSize)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows));
        if (cols < 0) throw new ArgumentOutOfRangeException(nameof(cols));
        if (blockSize < 1) throw new ArgumentOutOfRangeException(nameof(blockSize));
        Rows = rows;
        Cols = cols;
        BlockSize = blockSize;
        BlocksPerRow = (cols + blockSize - 1) / blockSize;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns (the blocked axis).</summary>
    public int Cols { get; }

    /// <summary>Elements per full block.</summary>
    public int BlockSize { get; }

    /// <summary>ceil(cols / blockSize).</summary>
    public int BlocksPerRow { get; }

    /// <summary>Number of scales, rows * BlocksPerRow.</summary>
    public int ScaleCount => Rows * BlocksPerRow;

    /// <summary>First column of block <paramref name="block"/>.</summary>
    public int BlockStart(int block) => block * BlockSize;

    /// <summary>Elements in block <paramref name="block"/>: BlockSize, or fewer for the last partial block.</summary>
    public int BlockLength(int block) => Math.Min(BlockSize, Cols - block * BlockSize);
}
