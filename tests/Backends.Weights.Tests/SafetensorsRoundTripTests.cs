using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Backends.Weights.Safetensors;

namespace GraphDsl.Backends.Weights.Tests;

/// <summary>Writing then reading gives back every tensor bit for bit, for every dtype.</summary>
public class SafetensorsRoundTripTests
{
    // Values every dtype can hold exactly (bool and unsigned bytes take the non-negative ones).
    private static float[] ValuesFor(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL => new float[] { 0, 1, 1, 0, 1, 0 },
        SafetensorsDType.U8 => new float[] { 0, 1, 2, 3, 200, 255 },
        SafetensorsDType.I8 => new float[] { -128, -1, 0, 1, 2, 127 },
        SafetensorsDType.I16 or SafetensorsDType.I32 or SafetensorsDType.I64 => new float[] { -30000, -1, 0, 1, 2, 32767 },
        SafetensorsDType.F8_E4M3 => new float[] { -448, -0.5f, 0, 0.001953125f, 1.75f, 448 },
        SafetensorsDType.F8_E5M2 => new float[] { -57344, -0.5f, 0, 1.5f, 3, 1024 },
        _ => new float[] { -2.5f, -1, 0, 0.5f, 3, 100 },
    };

    public static TheoryData<SafetensorsDType> DTypes()
    {
        var data = new TheoryData<SafetensorsDType>();
        foreach (var d in SafetensorsDTypes.All) data.Add(d);
        return data;
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Every_dtype_round_trips_bytes_shape_and_values(SafetensorsDType dtype)
    {
        var values = ValuesFor(dtype);
        var tensor = SafetensorsTensor.FromFloat32("w", new long[] { 2, 3 }, values, dtype);
        var bytes = SafetensorsWriter.ToBytes(new[] { tensor }, new Dictionary<string, string> { ["format"] = "pt" });
        using var file = SafetensorsFile.FromBytes(bytes);
        var entry = Assert.Single(file.Tensors);
        Assert.Equal(dtype, entry.DType);
        Assert.Equal(new long[] { 2, 3 }, entry.Shape);
        Assert.Equal(tensor.Data, file.ReadBytes("w"));
        Assert.Equal(values, file.ReadFloat32("w"));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Narrow_float_encodings_round_to_nearest_even()
    {
        var tensor = SafetensorsTensor.FromFloat32("x", new long[] { 3 }, new[] { 1.00390625f, 1.01171875f, 0.3f }, SafetensorsDType.BF16);
        using var file = SafetensorsFile.FromBytes(SafetensorsWriter.ToBytes(new[] { tensor }));
        Assert.Equal(new[] { 1f, 1.015625f, 0.30078125f }, file.ReadFloat32("x"));
    }

    [Fact]
    public void The_writer_lays_tensors_out_in_name_order_after_a_padded_header()
    {
        var tensors = new[]
        {
            SafetensorsTensor.FromFloat32("b", new long[] { 2 }, new float[] { 1, 2 }),
            SafetensorsTensor.FromFloat32("a", new long[] { 1 }, new float[] { 3 }, SafetensorsDType.F16),
            SafetensorsTensor.FromFloat32("c", new long[] { 0 }, Array.Empty<float>()),
        };
        var bytes = SafetensorsWriter.ToBytes(tensors);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        // The JSON object, then only spaces up to the multiple of 8.
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.StartsWith("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]}", header);
        using var file = SafetensorsFile.FromBytes(bytes);
        Assert.Equal(new[] { "a", "b", "c" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new long[] { 10, 10 }, new[] { file["c"].Begin, file["c"].End });
        Assert.Equal(new float[] { 1, 2 }, file.ReadFloat32("b"));
        Assert.Empty(file.ReadFloat32("c"));
    }

    [Fact]
    public void Files_round_trip_through_the_disk()
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            SafetensorsWriter.Write(path, new[] { SafetensorsTensor.FromFloat32("layers.0.attn.wq", new long[] { 2, 2 }, new float[] { 1, 2, 3, 4 }) });
            using var file = SafetensorsFile.Open(path);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, file.ReadFloat32("layers.0.attn.wq"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_writer_rejects_duplicate_and_reserved_names()
    {
        var t = SafetensorsTensor.FromFloat32("w", new long[] { 1 }, new float[] { 1 });
        Assert.Contains("'w' is given twice", Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes(new[] { t, t })).Message);
        var reserved = SafetensorsTensor.FromFloat32("__metadata__", new long[] { 1 }, new float[] { 1 });
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes(new[] { reserved }));
    }

    [Fact]
    public void Integer_encodings_reject_values_they_cannot_hold()
    {
        var e = Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromFloat32("i", new long[] { 1 }, new[] { 1.5f }, SafetensorsDType.I32));
        Assert.Contains("1.5 cannot be stored as I32", e.Message);
        Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromFloat32("u", new long[] { 1 }, new[] { 256f }, SafetensorsDType.U8));
    }
}
