using System;
using System.Collections.Generic;
using System.Globalization;

namespace GraphDsl.Ir.Types;

/// <summary>How the elements of a type are stored.</summary>
public enum ElementKind { Float, Int, Bool }

/// <summary>
/// An element type. Plain types have a bit width; block-scaled formats (MXFP4, MXFP8, NVFP4,
/// group-quantized INT4/INT8) also carry the block size and the scale's bit width, so the bytes a
/// tensor occupies, scales included, follow from the type alone.
/// </summary>
public sealed class DType : IEquatable<DType>
{
    private DType(string name, ElementKind kind, int bits, MathType? math, int blockSize = 0, int scaleBits = 0, string? scaleName = null)
    {
        Name = name; Kind = kind; Bits = bits; Math = math; BlockSize = blockSize; ScaleBits = scaleBits; ScaleName = scaleName;
    }

    /// <summary>Canonical spelling, as printed in IR and accepted in .moe files.</summary>
    public string Name { get; }
    public ElementKind Kind { get; }
    /// <summary>Bits of one element, without scales.</summary>
    public int Bits { get; }
    /// <summary>The math a device computes this type in (the FP8 types in FP8, the FP4 block formats in FP4, integer
    /// weights in their weight-only math); null for index and mask types.</summary>
    public MathType? Math { get; }
    /// <summary>Elements sharing one scale; 0 when the format has no block scale.</summary>
    public int BlockSize { get; }
    public int ScaleBits { get; }
    public string? ScaleName { get; }
    public bool IsBlockScaled => BlockSize > 0;
    public bool IsFloat => Kind == ElementKind.Float;
    /// <summary>Bits per element including the share of its block's scale (MXFP4: 4 + 8/32 = 4.25).</summary>
    public double EffectiveBits => BlockSize > 0 ? Bits + (double)ScaleBits / BlockSize : Bits;
    public double BytesPerElement => EffectiveBits / 8.0;

    public static readonly DType F32 = new("f32", ElementKind.Float, 32, MathType.F32);
    public static readonly DType F16 = new("f16", ElementKind.Float, 16, MathType.F16);
    public static readonly DType BF16 = new("bf16", ElementKind.Float, 16, MathType.Bf16);
    public static readonly DType Fp8E4M3 = new("fp8_e4m3", ElementKind.Float, 8, MathType.Fp8);
    public static readonly DType Fp8E5M2 = new("fp8_e5m2", ElementKind.Float, 8, MathType.Fp8);
    public static readonly DType Int8 = new("int8", ElementKind.Int, 8, MathType.Int8);
    public static readonly DType Int4 = new("int4", ElementKind.Int, 4, MathType.Int4);
    // OCP Microscaling v1.0: 32-element blocks, shared E8M0 power-of-two scale.
    public static readonly DType MxFp4 = new("mxfp4", ElementKind.Float, 4, MathType.Fp4, 32, 8, "e8m0");
    public static readonly DType MxFp8 = new("mxfp8", ElementKind.Float, 8, MathType.Fp8, 32, 8, "e8m0");
    // NVIDIA NVFP4: E2M1 elements, 16-element blocks, E4M3 scale (the per-tensor FP32 scale is negligible).
    public static readonly DType NvFp4 = new("nvfp4", ElementKind.Float, 4, MathType.Fp4, 16, 8, "fp8_e4m3");
    public static readonly DType I32 = new("i32", ElementKind.Int, 32, null);
    public static readonly DType I64 = new("i64", ElementKind.Int, 64, null);
    public static readonly DType Bool = new("bool", ElementKind.Bool, 8, null);

    private static readonly Dictionary<string, DType> Known = new(StringComparer.Ordinal)
    {
        ["f32"] = F32, ["float32"] = F32, ["fp32"] = F32,
        ["f16"] = F16, ["float16"] = F16, ["fp16"] = F16,
        ["bf16"] = BF16, ["bfloat16"] = BF16,
        ["fp8_e4m3"] = Fp8E4M3, ["fp8-e4m3"] = Fp8E4M3, ["e4m3"] = Fp8E4M3, ["fp8"] = Fp8E4M3,
        ["fp8_e5m2"] = Fp8E5M2, ["fp8-e5m2"] = Fp8E5M2, ["e5m2"] = Fp8E5M2,
        ["int8"] = Int8, ["int4"] = Int4,
        ["mxfp4"] = MxFp4, ["mxfp8"] = MxFp8, ["nvfp4"] = NvFp4,
        ["i32"] = I32, ["i64"] = I64, ["bool"] = Bool,
    };

    /// <summary>Every canonical type, for docs and "did you mean".</summary>
    public static IReadOnlyList<DType> All { get; } = new[] { F32, F16, BF16, Fp8E4M3, Fp8E5M2, Int8, Int4, MxFp4, MxFp8, NvFp4, I32, I64, Bool };

    /// <summary>An integer format quantized in groups along its input axis with an f16 scale per group
    /// (GPTQ/AWQ-style W4A16 and W8A16), printed <c>int4_g128</c>.</summary>
    public static DType GroupQuantized(DType baseType, int group)
    {
        if (baseType != Int4 && baseType != Int8) throw new ArgumentException("only int4 and int8 take group scales");
        if (group <= 0) throw new ArgumentOutOfRangeException(nameof(group));
        return new DType(baseType.Name + "_g" + group.ToString(CultureInfo.InvariantCulture), ElementKind.Int, baseType.Bits, baseType.Math, group, 16, "f16");
    }

    public static bool TryParse(string text, out DType type)
    {
        if (Known.TryGetValue(text, out type!)) return true;
        var g = text.IndexOf("_g", StringComparison.Ordinal);
        if (g > 0 && Known.TryGetValue(text.Substring(0, g), out var b) && (b == Int4 || b == Int8)
            && int.TryParse(text.Substring(g + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var group) && group > 0)
        {
            type = GroupQuantized(b, group);
            return true;
        }
        type = null!;
        return false;
    }

    public static DType Parse(string text) =>
        TryParse(text, out var t) ? t : throw new FormatException($"unknown dtype '{text}'");

    /// <summary>Names accepted by <see cref="TryParse"/> (canonical and aliases).</summary>
    public static IEnumerable<string> KnownNames => Known.Keys;

    public bool Equals(DType? other) => other is not null && other.Name == Name;
    public override bool Equals(object? obj) => obj is DType d && Equals(d);
    public override int GetHashCode() => Name.GetHashCode();
    public static bool operator ==(DType? a, DType? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(DType? a, DType? b) => !(a == b);
    public override string ToString() => Name;
}
