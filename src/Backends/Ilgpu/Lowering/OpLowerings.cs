using System.Collections.Generic;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>Traces one op: reads its operands' values, emits instructions and binds its results.</summary>
internal delegate void OpLowering(TraceContext c, Operation op);

/// <summary>The table from op definition to its lowering, gathered from the op families.</summary>
internal static class OpLowerings
{
    private static readonly Dictionary<OpDef, OpLowering> Table = Build();

    public static OpLowering? Find(OpDef def) => Table.TryGetValue(def, out var l) ? l : null;

    /// <summary>Every op the backend runs.</summary>
    public static IReadOnlyCollection<OpDef> Supported => Table.Keys;

    private static Dictionary<OpDef, OpLowering> Build()
    {
        var table = new Dictionary<OpDef, OpLowering>();
        foreach (var family in new[] { StructuralLowering.All, LinearLowering.All, NnLowering.All, AttentionLowering.All, RecurrentLowering.All, MoeLowering.All, Fusion.FusedLowering.All })
            foreach (var (def, lowering) in family) table.Add(def, lowering);
        return table;
    }
}
