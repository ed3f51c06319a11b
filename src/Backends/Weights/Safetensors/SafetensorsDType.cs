using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>The element types this reader and writer support, spelled as in the safetensors header.</summary>
public enum SafetensorsDType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2 }

/// <summary>Header spellings and element sizes of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    private static readonly Dictionary<string, SafetensorsDType> ByName =
        Enum.GetValues(typeof(SafetensorsDType)).Cast<SafetensorsDType>().ToDictionary(d => d.ToString(), StringComparer.Ordinal);

    public static IReadOnlyList<SafetensorsDType> All { get; } = ByName.Values.ToArray();

    public static bool TryParse(string name, out SafetensorsDType dtype) => ByName.TryGetValue(name, out dtype);

    public static string Name(this SafetensorsDType dtype) => dtype.ToString();

    public static int SizeInBytes(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        _ => 1,
    };

    public static string Supported => string.Join(", ", ByName.Keys);
}
