using System;
using System.Buffers.Binary;
using System.Globalization;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>Little-endian element bytes of every supported dtype to f32 and back (through GraphDsl.Numerics
/// for f16, bf16 and FP8). Encoding rounds to nearest even; FP8 saturates as the quantizers do; integer
/// and bool targets need integral values that fit.</summary>
public static class ElementConversion
{
    public static float[] ToFloat32(SafetensorsDType dtype, ReadOnlySpan<byte> bytes)
    {
        int size = dtype.SizeInBytes();
        if (bytes.Length % size != 0) throw new ArgumentException($"{bytes.Length} bytes are not a whole number of {dtype.Name()} elements");
        var result = new float[bytes.Length / size];
        for (int i = 0; i < result.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            result[i] = dtype switch
            {
                SafetensorsDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
                SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(b),
                SafetensorsDType.F16 => Fp16.Decode(BinaryPrimitives.ReadUInt16LittleEndian(b)),
                SafetensorsDType.BF16 => Bf16.Decode(BinaryPrimitives.ReadUInt16LittleEndian(b)),
                SafetensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(b),
                SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(b),
                SafetensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                SafetensorsDType.I8 => (sbyte)b[0],
                SafetensorsDType.U8 => b[0],
                SafetensorsDType.BOOL => b[0] != 0 ? 1f : 0f,
                SafetensorsDType.F8_E4M3 => Fp8E4M3.Decode(b[0]),
                SafetensorsDType.F8_E5M2 => Fp8E5M2.Decode(b[0]),
                _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
            };
        }
        return result;
    }

    public static byte[] FromFloat32(SafetensorsDType dtype, ReadOnlySpan<float> values)
    {
        int size = dtype.SizeInBytes();
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            var b = bytes.AsSpan(i * size, size);
            float v = values[i];
            switch (dtype)
            {
                case SafetensorsDType.F64: BinaryPrimitives.WriteDoubleLittleEndian(b, v); break;
                case SafetensorsDType.F32: BinaryPrimitives.WriteSingleLittleEndian(b, v); break;
                case SafetensorsDType.F16: BinaryPrimitives.WriteUInt16LittleEndian(b, Fp16.Encode(v)); break;
                case SafetensorsDType.BF16: BinaryPrimitives.WriteUInt16LittleEndian(b, Bf16.Encode(v)); break;
                case SafetensorsDType.I64: BinaryPrimitives.WriteInt64LittleEndian(b, (long)Integral(v, long.MinValue, long.MaxValue, dtype)); break;
                case SafetensorsDType.I32: BinaryPrimitives.WriteInt32LittleEndian(b, (int)Integral(v, int.MinValue, int.MaxValue, dtype)); break;
                case SafetensorsDType.I16: BinaryPrimitives.WriteInt16LittleEndian(b, (short)Integral(v, short.MinValue, short.MaxValue, dtype)); break;
                case SafetensorsDType.I8: b[0] = (byte)(sbyte)Integral(v, sbyte.MinValue, sbyte.MaxValue, dtype); break;
                case SafetensorsDType.U8: b[0] = (byte)Integral(v, 0, 255, dtype); break;
                case SafetensorsDType.BOOL: b[0] = (byte)Integral(v, 0, 1, dtype); break;
                case SafetensorsDType.F8_E4M3: b[0] = Fp8E4M3.Encode(v); break;
                case SafetensorsDType.F8_E5M2: b[0] = Fp8E5M2.Encode(v); break;
                default: throw new ArgumentOutOfRangeException(nameof(dtype));
            }
        }
        return bytes;
    }

    private static double Integral(float v, double min, double max, SafetensorsDType dtype)
    {
        if (v != Math.Floor(v) || v < min || v > max)
            throw new ArgumentException($"{v.ToString("R", CultureInfo.InvariantCulture)} cannot be stored as {dtype.Name()}");
        return v;
    }
}
