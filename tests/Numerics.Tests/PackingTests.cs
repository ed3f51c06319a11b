using System;

namespace GraphDsl.Numerics.Tests;

public class PackingTests
{
    [Fact]
    public void EvenElementGoesInTheLowNibble()
    {
        Assert.Equal(new byte[] { 0x21, 0x43 }, Packing.PackNibbles(new byte[] { 1, 2, 3, 4 }));
        Assert.Equal(new byte[] { 0x21, 0x03 }, Packing.PackNibbles(new byte[] { 1, 2, 3 }));
        Assert.Empty(Packing.PackNibbles(Array.Empty<byte>()));
    }

    [Fact]
    public void UnpackInvertsPack()
    {
        var rng = new Random(7);
        for (int n = 0; n < 40; n++)
        {
            var nibbles = new byte[n];
            for (int i = 0; i < n; i++) nibbles[i] = (byte)rng.Next(16);
            var packed = Packing.PackNibbles(nibbles);
            Assert.Equal(Packing.PackedLength(n), packed.Length);
            Assert.Equal(nibbles, Packing.UnpackNibbles(packed, n));
        }
    }

    [Fact]
    public void SetNibbleKeepsTheNeighbour()
    {
        var packed = new byte[] { 0xAB, 0xCD };
        Packing.SetNibble(packed, 0, 0, 0x1);
        Packing.SetNibble(packed, 0, 3, 0x2F); // only the low 4 bits are used
        Assert.Equal(new byte[] { 0xA1, 0xFD }, packed);
        Assert.Equal(0xA, Packing.GetNibble(packed, 0, 1));
        Assert.Equal(0xD, Packing.GetNibble(packed, 1, 0));
    }

    [Fact]
    public void RejectsOutOfRangeNibbles() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Packing.PackNibbles(new byte[] { 16 }));

    [Fact]
    public void Fp4TensorsPackEachRowFromItsOwnByte()
    {
        // 2 rows x 3 cols: each row takes 2 bytes, the odd column's high nibble stays 0.
        var data = new float[] { 1f, 2f, -6f, 0.5f, 3f, 4f };
        var t = MxBlock.Quantize(data, 2, 3, MxElementType.Fp4E2M1);
        Assert.Equal(2, t.RowBytes);
        // Row 0 amax 6 -> X = 2^(2-2) = 1: codes 1 -> 0x2, 2 -> 0x4, -6 -> 0xF.
        Assert.Equal(new byte[] { 0x42, 0x0F, 0x51, 0x06 }, t.Data);
    }
}
