using System;
using System.Buffers.Binary;
using System.Linq;
using System.Text;
using GraphDsl.Backends.Weights.Safetensors;

namespace GraphDsl.Backends.Weights.Tests;

/// <summary>Malformed files fail with a <see cref="SafetensorsException"/> that says what is wrong and names
/// the tensor at fault; nothing crashes or allocates more than the file's size.</summary>
public class SafetensorsValidationTests
{
    /// <summary>8-byte header length, the header text, then <paramref name="dataBytes"/> zero bytes.</summary>
    private static byte[] File(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private static SafetensorsException Fails(byte[] bytes) =>
        Assert.Throws<SafetensorsException>(() => SafetensorsFile.FromBytes(bytes).Dispose());

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    [Fact]
    public void A_file_shorter_than_the_length_prefix_is_truncated()
    {
        Assert.Contains("too few for the 8-byte header length", Fails(new byte[5]).Message);
        Assert.Contains("too few", Fails(Array.Empty<byte>()).Message);
    }

    [Fact]
    public void A_header_longer_than_the_file_is_truncated()
    {
        var e = Fails(File("{}", 0, declaredLength: 1000));
        Assert.Contains("header length 1000 exceeds the 2 bytes after it", e.Message);
    }

    [Fact]
    public void An_absurd_header_length_is_rejected_before_allocating()
    {
        Assert.Contains("exceeds the 104.9 MB limit", Fails(File("{}", 0, declaredLength: ulong.MaxValue)).Message);
        Assert.Contains("exceeds the 104.9 MB limit", Fails(File("{}", 0, declaredLength: 200UL * 1024 * 1024)).Message);
    }

    [Theory]
    [InlineData("{\"a\": ")]
    [InlineData("not json")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",}}")]
    public void Invalid_json_is_reported(string header) =>
        Assert.Contains("not valid JSON", Fails(File(header, 0)).Message);

    [Fact]
    public void A_header_that_is_not_an_object_or_not_utf8_is_reported()
    {
        Assert.Contains("must be a JSON object", Fails(File("[1, 2]", 0)).Message);
        var bytes = File("{\"a\"}", 0);
        bytes[9] = 0xFF;
        Assert.Contains("not valid UTF-8", Fails(bytes).Message);
    }

    [Fact]
    public void An_unknown_dtype_names_the_tensor()
    {
        var e = Fails(File("{" + Entry("layers.0.w", "F4", "[2]", 0, 1) + "}", 1));
        Assert.Equal("layers.0.w", e.TensorName);
        Assert.Contains("tensor 'layers.0.w': unknown dtype 'F4'", e.Message);
    }

    [Fact]
    public void A_shape_that_does_not_fill_the_byte_range_names_the_tensor()
    {
        var e = Fails(File("{" + Entry("w", "F32", "[2, 3]", 0, 20) + "}", 20));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("needs 24 bytes but data_offsets [0, 20] hold 20", e.Message);
    }

    [Fact]
    public void A_shape_whose_size_overflows_names_the_tensor()
    {
        var e = Fails(File("{" + Entry("huge", "F64", "[4294967296, 4294967296]", 0, 8) + "}", 8));
        Assert.Equal("huge", e.TensorName);
        Assert.Contains("too large", e.Message);
    }

    [Theory]
    [InlineData("[-1]", "non-negative integers")]
    [InlineData("[1.5]", "non-negative integers")]
    [InlineData("\"2\"", "has no shape array")]
    public void Invalid_shapes_name_the_tensor(string shape, string message)
    {
        var e = Fails(File("{" + Entry("w", "U8", shape, 0, 1) + "}", 1));
        Assert.Equal("w", e.TensorName);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Offsets_beyond_the_data_name_the_tensor()
    {
        // The header promises 8 bytes of data but the file holds 4: a truncated file.
        var e = Fails(File("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 4, 8) + "}", 4));
        Assert.Equal("b", e.TensorName);
        Assert.Contains("outside the 4-byte data section", e.Message);
    }

    [Fact]
    public void Offsets_that_end_before_they_begin_name_the_tensor()
    {
        var e = Fails(File("{" + Entry("w", "U8", "[0]", 4, 2) + "}", 4));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("end before they begin", e.Message);
    }

    [Fact]
    public void Overlapping_tensors_are_named()
    {
        var e = Fails(File("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 4, 12) + "}", 12));
        Assert.Equal("b", e.TensorName);
        Assert.Contains("overlap tensor 'a'", e.Message);
    }

    [Fact]
    public void Unused_bytes_between_or_after_tensors_are_reported()
    {
        var gap = Fails(File("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", 12));
        Assert.Equal("b", gap.TensorName);
        Assert.Contains("leave bytes 4..8 unused", gap.Message);
        var trailing = Fails(File("{" + Entry("a", "F32", "[1]", 0, 4) + "}", 6));
        Assert.Contains("the data section has 6 bytes but the tensors cover 4", trailing.Message);
    }

    [Fact]
    public void Duplicate_names_are_named()
    {
        var e = Fails(File("{" + Entry("w", "U8", "[1]", 0, 1) + "," + Entry("w", "U8", "[1]", 1, 2) + "}", 2));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("appears more than once", e.Message);
    }

    [Fact]
    public void Metadata_must_map_strings_to_strings()
    {
        Assert.Contains("__metadata__ entry 'n' must be a string", Fails(File("{\"__metadata__\":{\"n\":1}}", 0)).Message);
    }

    [Fact]
    public void Missing_fields_name_the_tensor()
    {
        Assert.Equal("w", Fails(File("{\"w\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1)).TensorName);
        Assert.Equal("w", Fails(File("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1)).TensorName);
        Assert.Equal("w", Fails(File("{\"w\":3}", 0)).TensorName);
    }

    [Fact]
    public void Reading_a_tensor_the_file_lacks_names_it()
    {
        using var file = SafetensorsFile.FromBytes(SafetensorsWriter.ToBytes(new[] { SafetensorsTensor.FromFloat32("a", new long[] { 1 }, new float[] { 1 }) }));
        Assert.Equal("tensor 'b': is not in the file", Assert.Throws<SafetensorsException>(() => file.ReadFloat32("b")).Message);
    }

    [Fact]
    public void Corrupted_and_truncated_files_never_fail_with_anything_but_a_format_error()
    {
        var valid = SafetensorsWriter.ToBytes(new[]
        {
            SafetensorsTensor.FromFloat32("a", new long[] { 2, 2 }, new float[] { 1, 2, 3, 4 }),
            SafetensorsTensor.FromFloat32("b", new long[] { 3 }, new float[] { 1, 2, 3 }, SafetensorsDType.BF16),
        });
        for (int length = 0; length < valid.Length; length++)
            AssertFailsCleanlyOrReads(valid.AsSpan(0, length).ToArray());
        // Deterministic single-byte corruptions of the length prefix and header.
        var random = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = (byte[])valid.Clone();
            int at = random.Next(Math.Min(bytes.Length, 8 + 120));
            bytes[at] = (byte)random.Next(256);
            AssertFailsCleanlyOrReads(bytes);
        }
    }

    private static void AssertFailsCleanlyOrReads(byte[] bytes)
    {
        try
        {
            using var file = SafetensorsFile.FromBytes(bytes);
            foreach (var t in file.Tensors) file.ReadFloat32(t.Name);
        }
        catch (SafetensorsException) { }
    }

    /// <summary>Found by fuzzing (docs/robustness.md): System.Text.Json parses an unpaired surrogate escape and throws
    /// InvalidOperationException only when the string is read, which escaped as GD0899.</summary>
    [Fact]
    public void A_name_or_metadata_string_with_an_unpaired_surrogate_is_reported()
    {
        Assert.Equal("a tensor name is not valid Unicode (an unpaired surrogate escape such as \\ud800)",
            Fails(File("{" + Entry("\\ud800", "F32", "[1]", 0, 4) + "}", 4)).Message);
        Assert.Equal("__metadata__ entry 'k' is not valid Unicode (an unpaired surrogate escape such as \\ud800)",
            Fails(File("{\"__metadata__\": {\"k\": \"\\udc00x\"}}", 0)).Message);
        Assert.Equal("tensor 'w': the dtype is not valid Unicode (an unpaired surrogate escape such as \\ud800)",
            Fails(File("{" + Entry("w", "F32\\ud800", "[1]", 0, 4) + "}", 4)).Message);
    }
}
