using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir.Ops;

/// <summary>Every op the IR knows, by dialect-qualified name. Later dialects (comm, quant, fused)
/// register here too; nothing else defines ops.</summary>
public static class OpRegistry
{
    private static readonly Dictionary<string, OpDef> ByName = new(StringComparer.Ordinal);
    private static readonly List<OpDef> InOrder = new();

    static OpRegistry()
    {
        foreach (var d in CoreOps.All.Concat(NnOps.All).Concat(AttentionOps.All).Concat(MoeOps.All).Concat(RecurrentOps.All).Concat(CommOps.All).Concat(FusedOps.All))
            Register(d);
    }

    public static void Register(OpDef def)
    {
        lock (ByName)
        {
            if (ByName.TryGetValue(def.Name, out var existing) && !ReferenceEquals(existing, def))
                throw new InvalidOperationException($"op '{def.Name}' registered twice");
            if (!ByName.ContainsKey(def.Name)) InOrder.Add(def);
            ByName[def.Name] = def;
        }
    }

    public static OpDef? Find(string name) { lock (ByName) return ByName.TryGetValue(name, out var d) ? d : null; }

    /// <summary>The unary activations <c>activation(x, "name")</c> selects, by each of their
    /// <see cref="OpDef.ActivationNames"/>, in declaration order (the order diagnostics list them in).</summary>
    public static IReadOnlyList<KeyValuePair<string, OpDef>> Activations
    {
        get { lock (ByName) return InOrder.SelectMany(d => d.ActivationNames.Select(n => new KeyValuePair<string, OpDef>(n, d))).ToArray(); }
    }

    /// <summary>The activation op a name (as in <c>activation(x, "gelu")</c> or moe.experts' <c>act</c>) selects; null if none.</summary>
    public static OpDef? Activation(string name) => Activations.FirstOrDefault(a => a.Key == name).Value;

    public static IReadOnlyList<OpDef> All { get { lock (ByName) return ByName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray(); } }
}
