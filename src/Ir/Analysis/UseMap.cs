using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Ir.Analysis;

/// <summary>Who uses each value, with the slot name.</summary>
public sealed class UseMap
{
    private readonly Dictionary<Value, List<(Operation User, string Slot)>> _uses = new();

    public static UseMap Build(Module m)
    {
        var map = new UseMap();
        foreach (var op in m.WalkAll())
            for (int i = 0; i < op.Slots.Count; i++)
            {
                var v = op.Slots[i];
                if (v is null) continue;
                var slot = op.Def.Operands[Math.Min(i, op.Def.Operands.Count - 1)].Name;
                if (!map._uses.TryGetValue(v, out var list)) map._uses[v] = list = new List<(Operation, string)>();
                list.Add((op, slot));
            }
        return map;
    }

    public IEnumerable<(Operation User, string Slot)> Of(Value v) =>
        _uses.TryGetValue(v, out var l) ? l : Enumerable.Empty<(Operation, string)>();

    public int Count(Value v) => _uses.TryGetValue(v, out var l) ? l.Count : 0;
}
