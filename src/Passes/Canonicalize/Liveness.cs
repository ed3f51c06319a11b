using System.Collections.Generic;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Passes.Canonicalize;

/// <summary>Which ops matter: those with effects (interface, state, regions, calls, terminators) and,
/// transitively, the producers of their operands. Everything else is dead.</summary>
internal static class Liveness
{
    public static HashSet<Operation> LiveOps(Module m)
    {
        var live = new HashSet<Operation>();
        var work = new Stack<Operation>();
        foreach (var op in m.WalkAll())
            if (!op.Def.IsPure || op.Regions.Count > 0) { live.Add(op); work.Push(op); }
        while (work.Count > 0)
        {
            var op = work.Pop();
            foreach (var v in op.Operands)
                if (v.Owner is not null && live.Add(v.Owner)) work.Push(v.Owner);
            // Ops inside a live region op keep their parent live, and vice versa.
            for (var parent = op.ParentRegion?.Parent; parent is not null; parent = parent.ParentRegion?.Parent)
                if (live.Add(parent)) work.Push(parent);
        }
        return live;
    }
}
