using System;

namespace GraphDsl.Numerics;

/// <summary>
/// Packs 4-bit codes two per byte: element 2i goes in the LOW nibble of byte i, element 2i+1 in the HIGH
/// nibble. An odd count leaves the last high nibble zero. Block tensors pack each row separately, so a row
/// of n elements takes <see cref="PackedLength"/>(n) bytes and rows start on byte boundaries.
/// </summary>
public static class Packing
{
    /// <summary>Bytes needed for <paramref name="count"/> nibbles, ceil(count / 2).</summary>
    public static int PackedLength(int count) => (count + 1) / 2;

    /// <summary>Nibble <paramref name="index"/> of the packed run starting at <paramref name="byteOffset"/>.</summary>
    public static byte GetNibble(byte[] packed, int byteOffset, int index) =>
        (byte)((packed[byteOffset + (index >> 1)] >> ((index & 1) << 2)) & 0xF);

    /// <summary>Writes the low 4 bits of <paramref name="value"/> as nibble <paramref name="index"/>, keeping its neighbour.</summary>
    public static void SetNibble(byte[] packed, int byteOffset, int index, int value)
    {
        int shift = (index & 1) << 2;
        int at = byteOffset + (index >> 1);
        packed[at] = (byte)((packed[at] & ~(0xF << shift)) | ((value & 0xF) << shift));
    }

    /// <summary>Packs the low nibbles of <paramref name="nibbles"/>; values above 15 are rejected.</summary>
    public static byte[] PackNibbles(byte[] nibbles)
    {
        if (nibbles == null) throw new ArgumentNullException(nameof(nibbles));
        var packed = new byte[PackedLength(nibbles.Length)];
        for (int i = 0; i < nibbles.Length; i++)
        {
            if (nibbles[i] > 0xF) throw new ArgumentOutOfRangeException(nameof(nibbles), "A nibble must be in 0..15.");
            SetNibble(packed, 0, i, nibbles[i]);
        }
        return packed;
    }

    /// <summary>Unpacks the first <paramref name="count"/> nibbles.</summary>
    public static byte[] UnpackNibbles(byte[] packed, int count)
    {
        if (packed == null) throw new ArgumentNullException(nameof(packed));
        if (count < 0 || PackedLength(count) > packed.Length) throw new ArgumentOutOfRangeException(nameof(count));
        var nibbles = new byte[count];
        for (int i = 0; i < count; i++) nibbles[i] = GetNibble(packed, 0, i);
        return nibbles;
    }
}
