using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace GraphDsl.Backends.Weights.Mapping;

/// <summary>A weight the module expects with the shape it found instead.</summary>
public sealed record MisshapedWeight(string Name, IReadOnlyList<long> Expected, IReadOnlyList<long> Found);

/// <summary>How a module's weights match the tensors of a file: which are missing, extra or mis-shaped, by name.</summary>
public sealed class WeightMappingReport
{
    public WeightMappingReport(IReadOnlyList<ModuleWeight> missing, IReadOnlyList<string> extra, IReadOnlyList<MisshapedWeight> misshaped, int matched)
    {
        Missing = missing; Extra = extra; Misshaped = misshaped; Matched = matched;
    }

    /// <summary>Weights the module needs that the file lacks.</summary>
    public IReadOnlyList<ModuleWeight> Missing { get; }
    /// <summary>Tensors of the file that no weight of the module uses.</summary>
    public IReadOnlyList<string> Extra { get; }
    public IReadOnlyList<MisshapedWeight> Misshaped { get; }
    public int Matched { get; }

    /// <summary>True when every weight is present with its shape (extra tensors are allowed).</summary>
    public bool CanLoad => Missing.Count == 0 && Misshaped.Count == 0;
    /// <summary>True when the file holds exactly the module's weights.</summary>
    public bool IsExact => CanLoad && Extra.Count == 0;

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Matched).Append(" weights matched");
        if (Missing.Count > 0) sb.Append("; missing: ").Append(string.Join(", ", Missing.Select(m => m.Name + " " + m.ShapeText)));
        if (Misshaped.Count > 0)
            sb.Append("; mis-shaped: ").Append(string.Join(", ", Misshaped.Select(m => $"{m.Name} (expected {ModuleWeight.Format(m.Expected)}, found {ModuleWeight.Format(m.Found)})")));
        if (Extra.Count > 0) sb.Append("; extra: ").Append(string.Join(", ", Extra));
        return sb.ToString();
    }
}
