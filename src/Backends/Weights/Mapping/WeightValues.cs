using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Ir.Graph;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Weights.Mapping;

/// <summary>What the values of a model's weights look like: per floating-point tensor, NaN and
/// infinities (execution then produces NaN logits) and magnitudes beyond
/// <see cref="ValueScan.ExtremeMagnitude"/> (activations overflow a few layers on).</summary>
public static class WeightValues
{
    /// <summary>Scans every weight of the module that the file holds in a floating-point dtype, in the
    /// module's order, reading each tensor in chunks. Integer tensors are always finite and not scanned.</summary>
    public static IReadOnlyList<(string Name, ValueScan Scan)> Scan(Module module, SafetensorsFile file)
    {
        var result = new List<(string, ValueScan)>();
        foreach (var w in ModuleWeights.Enumerate(module).Where(w => file.Contains(w.Name) && IsFloat(file[w.Name].DType)))
        {
            var scan = new ValueScan();
            foreach (var chunk in file.ReadFloat32Chunks(w.Name)) scan.Add(chunk);
            result.Add((w.Name, scan));
        }
        return result;
    }

    private static bool IsFloat(SafetensorsDType dtype) => dtype is SafetensorsDType.F64 or SafetensorsDType.F32 or SafetensorsDType.F16
        or SafetensorsDType.BF16 or SafetensorsDType.F8_E4M3 or SafetensorsDType.F8_E5M2;
}
