using System.Collections.Generic;
using System.Linq;
using System.Text;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Transforms;

namespace GraphDsl.Passes.Canonicalize;

/// <summary>Common-subexpression table keyed by op, mapped operands, attributes and result types.
/// Scoped to the destination region: regions under construction are not yet attached to their ops,
/// so reuse across region levels is not attempted (always safe, rarely a loss).</summary>
internal sealed class CseTable
{
    private readonly Dictionary<string, (IReadOnlyList<Value> Results, Region Region)> _table = new();
    private readonly Dictionary<Value, int> _ids = new();

    /// <summary>Pure ops without regions; weights, inputs, caches and calls are never merged.</summary>
    public static bool Eligible(Operation op) => op.Def.IsPure && op.Regions.Count == 0 && op.Results.Count > 0;

    public string Key(Operation op, IrCloner cloner, Region dst)
    {
        var sb = new StringBuilder(RegionId(dst).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('|').Append(op.Name);
        foreach (var v in op.Slots) sb.Append(v is null ? "|_" : "|" + Id(cloner.Lookup(v)));
        sb.Append(cloner.Attrs(op.Attributes));
        foreach (var r in op.Results) sb.Append(':').Append(cloner.Type(r.Type));
        return sb.ToString();
    }

    public bool TryGet(string key, out IReadOnlyList<Value> results)
    {
        results = null!;
        if (!_table.TryGetValue(key, out var hit)) return false;
        results = hit.Results;
        return true;
    }

    public void Add(string key, IReadOnlyList<Value> results)
    {
        var region = results[0].Owner!.ParentRegion!;
        _table[key] = (results, region);
    }

    private readonly Dictionary<Region, int> _regions = new();

    private int RegionId(Region r)
    {
        if (!_regions.TryGetValue(r, out var id)) { id = _regions.Count; _regions[r] = id; }
        return id;
    }

    private int Id(Value v)
    {
        if (!_ids.TryGetValue(v, out var id)) { id = _ids.Count; _ids[v] = id; }
        return id;
    }
}
