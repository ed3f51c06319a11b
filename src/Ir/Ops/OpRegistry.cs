using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir.Ops;

/// <summary>Every op the IR knows, by dialect-qualified name. Later dialects (comm, quant, fused)
/// register here too; nothing else defines ops.</summary>
public static class OpRegistry
{
    private static readonly Dictionary<string, OpDef> ByName = new(StringComparer.Ordinal);

    static OpRegistry()
    {
        foreach (var d in CoreOps.All.Concat(NnOps.All).Concat(AttentionOps.All).Concat(MoeOps.All).Concat(CommOps.All).Concat(FusedOps.All))
            Register(d);
    }

    public static void Register(OpDef def)
    {
        lock (ByName)
        {
            if (ByName.TryGetValue(def.Name, out var existing) && !ReferenceEquals(existing, def))
                throw new InvalidOperationException($"op '{def.Name}' registered twice");
            ByName[def.Name] = def;
        }
    }

    public static OpDef? Find(string name) { lock (ByName) return ByName.TryGetValue(name, out var d) ? d : null; }

    public static IReadOnlyList<OpDef> All { get { lock (ByName) return ByName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray(); } }
}
