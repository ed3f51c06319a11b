using System;
using GraphDsl.Backends.Reference.Onnx.Tests.Protobuf;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>The wire format against the encodings protobuf's documentation spells out
/// (protobuf.dev/programming-guides/encoding).</summary>
public sealed class ProtoWriterTests
{
    private static string Hex(Action<ProtoWriter> write)
    {
        var w = new ProtoWriter();
        write(w);
        return Convert.ToHexString(w.ToArray());
    }

    [Fact]
    public void A_varint_field_is_its_tag_then_seven_bit_groups_low_first() =>
        // The documentation's example: field 1 = 150 is 08 96 01.
        Assert.Equal("089601", Hex(w => w.Int64(1, 150)));

    [Fact]
    public void A_negative_integer_takes_ten_bytes() =>
        Assert.Equal("08FFFFFFFFFFFFFFFFFF01", Hex(w => w.Int64(1, -1)));

    [Fact]
    public void Field_numbers_above_15_take_a_two_byte_tag() =>
        // Field 20 (AttributeProto.type), varint: (20 << 3) | 0 = 160 = A0 01.
        Assert.Equal("A00107", Hex(w => w.Int64(20, 7)));

    [Fact]
    public void A_string_is_length_delimited() =>
        // The documentation's example: field 2 = "testing" is 12 07 74 65 73 74 69 6e 67.
        Assert.Equal("120774657374696E67", Hex(w => w.String(2, "testing")));

    [Fact]
    public void A_nested_message_is_its_bytes_length_delimited() =>
        // The documentation's example: field 3 holding a message whose field 1 = 150 is 1a 03 08 96 01.
        Assert.Equal("1A03089601", Hex(w => w.Message(3, m => m.Int64(1, 150))));
}
