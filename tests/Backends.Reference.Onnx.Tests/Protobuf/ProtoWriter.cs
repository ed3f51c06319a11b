using System;
using System.IO;
using System.Text;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Protobuf;

/// <summary>
/// The protobuf wire format, as much of it as the exported ONNX models need: varints and length-delimited
/// strings, bytes and nested messages (https://protobuf.dev/programming-guides/encoding/).
/// Fields are written in the order they are called; a reader accepts any order.
/// </summary>
internal sealed class ProtoWriter
{
    private enum WireType { Varint = 0, LengthDelimited = 2 }

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>An int32, int64 or enum field. Negative values take ten bytes (two's complement as
    /// uint64), as protobuf encodes them for both int32 and int64.</summary>
    public void Int64(int field, long value)
    {
        Tag(field, WireType.Varint);
        Varint(unchecked((ulong)value));
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>A nested message: written into its own buffer first, since its length comes before it.</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var inner = new ProtoWriter();
        write(inner);
        Bytes(field, inner._buffer.GetBuffer().AsSpan(0, (int)inner._buffer.Length));
    }

    private void Tag(int field, WireType type)
    {
        if (field < 1) throw new ArgumentOutOfRangeException(nameof(field), "protobuf field numbers start at 1");
        Varint(((ulong)field << 3) | (ulong)type);
    }

    /// <summary>Seven bits per byte, least significant group first, the high bit set on all but the last.</summary>
    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
