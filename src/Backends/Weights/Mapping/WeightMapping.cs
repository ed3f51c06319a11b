using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Weights.Mapping;

/// <summary>Matches a module's weights (by full name, per repeat iteration) to the tensors of a
/// safetensors file and loads them as f32.</summary>
public static class WeightMapping
{
    /// <summary>Compares the module's weights with the available tensors (name and shape).</summary>
    public static WeightMappingReport Check(Module module, IEnumerable<(string Name, IReadOnlyList<long> Shape)> available)
    {
        var weights = ModuleWeights.Enumerate(module);
        var byName = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        foreach (var (name, shape) in available)
            if (!byName.ContainsKey(name)) byName[name] = shape;
        var missing = new List<ModuleWeight>();
        var misshaped = new List<MisshapedWeight>();
        int matched = 0;
        foreach (var w in weights)
        {
            if (!byName.TryGetValue(w.Name, out var found)) missing.Add(w);
            else if (!found.SequenceEqual(w.Shape)) misshaped.Add(new MisshapedWeight(w.Name, w.Shape, found));
            else matched++;
        }
        var used = new HashSet<string>(weights.Select(w => w.Name), StringComparer.Ordinal);
        var extra = byName.Keys.Where(n => !used.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        return new WeightMappingReport(missing, extra, misshaped, matched);
    }

    public static WeightMappingReport Check(Module module, SafetensorsFile file) =>
        Check(module, file.Tensors.Select(t => (t.Name, t.Shape)));

    /// <summary>Loads every weight of the module from the file as f32 (any supported dtype converts).
    /// Throws with the report when a weight is missing or mis-shaped; extra tensors are ignored.</summary>
    public static IReadOnlyList<WeightArray> Load(Module module, SafetensorsFile file)
    {
        var report = Check(module, file);
        if (!report.CanLoad) throw new WeightMappingException(report);
        return ModuleWeights.Enumerate(module)
            .Select(w => new WeightArray(w.Name, w.Shape.Select(d => checked((int)d)).ToArray(), file.ReadFloat32(w.Name)))
            .ToArray();
    }

    /// <summary>Opens a safetensors file and loads every weight of the module from it (see <see cref="Load(Module, SafetensorsFile)"/>);
    /// throws <see cref="SafetensorsException"/> for a bad file, <see cref="WeightMappingException"/> when
    /// tensors are missing or mis-shaped, and the I/O exceptions of opening it.</summary>
    public static IReadOnlyList<WeightArray> LoadFile(Module module, string path)
    {
        using var file = SafetensorsFile.Open(path);
        return Load(module, file);
    }

    /// <summary>Safetensors tensors for a set of weights, encoded as <paramref name="dtype"/>.</summary>
    public static IEnumerable<SafetensorsTensor> ToSafetensors(IEnumerable<WeightArray> weights, SafetensorsDType dtype = SafetensorsDType.F32) =>
        weights.Select(w => SafetensorsTensor.FromFloat32(w.Name, w.LongShape, w.Values, dtype));
}

/// <summary>A file whose tensors do not cover a module's weights; the report names each problem.</summary>
public sealed class WeightMappingException : Exception
{
    public WeightMappingException(WeightMappingReport report) : base("the weights do not match the module: " + report) { Report = report; }
    public WeightMappingReport Report { get; }
}
