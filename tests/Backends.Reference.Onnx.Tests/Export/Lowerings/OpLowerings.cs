using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>One IR op in, the ONNX names of its results out (in result order).</summary>
internal delegate IReadOnlyList<string> OpLowering(LoweringContext c);

/// <summary>The table from op definition to its ONNX lowering, gathered from the op families.</summary>
internal static class OpLowerings
{
    private static readonly Dictionary<OpDef, OpLowering> Table = Build();

    public static OpLowering? Find(OpDef def) => Table.TryGetValue(def, out var l) ? l : null;

    /// <summary>Every op the exporter lowers (terminators are handled by the region lowering).</summary>
    public static IReadOnlyCollection<OpDef> Lowered => Table.Keys.OrderBy(d => d.Name, System.StringComparer.Ordinal).ToArray();

    private static Dictionary<OpDef, OpLowering> Build()
    {
        var table = new Dictionary<OpDef, OpLowering>();
        var families = new[]
        {
            CoreLowering.All, ElementwiseLowering.All, LinearLowering.All, NormLowering.All, ShapeLowering.All,
            RopeLowering.All, AttentionLowering.All, MoeLowering.All,
        };
        foreach (var family in families)
            foreach (var (def, lowering) in family) table.Add(def, lowering);
        return table;
    }

    internal static IReadOnlyList<string> One(string name) => new[] { name };
}
