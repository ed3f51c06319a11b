using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>The table from op definition to its reference semantics, gathered from the op families.</summary>
public static class OpKernels
{
    private static readonly Dictionary<OpDef, OpKernel> Table = Build();

    public static OpKernel? Find(OpDef def) => Table.TryGetValue(def, out var k) ? k : null;

    /// <summary>Every op the interpreter implements.</summary>
    public static IReadOnlyCollection<OpDef> Implemented => Table.Keys.OrderBy(d => d.Name, System.StringComparer.Ordinal).ToArray();

    private static Dictionary<OpDef, OpKernel> Build()
    {
        var table = new Dictionary<OpDef, OpKernel>();
        var families = new[]
        {
            CoreKernels.All, ElementwiseKernels.All, LinearKernels.All, NormKernels.All, ShapeKernels.All,
            RopeKernels.All, KvCacheKernels.All, AttentionKernels.All, RecurrentKernels.All, MoeKernels.All, CommKernels.All, FusedKernels.All,
        };
        foreach (var family in families)
            foreach (var (def, kernel) in family) table.Add(def, kernel);
        return table;
    }

    internal static IReadOnlyList<Tensor> One(Tensor t) => new[] { t };
}
