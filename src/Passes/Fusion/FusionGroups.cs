using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Passes.Fusion;

/// <summary>
/// The fusion groups of one region: union-find over its ops, with the legality every merge must keep.
/// A group may never contain a collective, an interface op (input, weight, output) or a region op, and
/// must stay convex: no op outside the group may lie on a path from the group back into it (that would
/// make the kernel depend on itself). Values the group defines but others use become kernel outputs,
/// so a value with an outside consumer is still legal to fuse (it is written once).
/// </summary>
internal sealed class FusionGroups
{
    private readonly List<Operation> _ops;
    private readonly Dictionary<Operation, int> _index = new();
    private readonly int[] _parent;
    private readonly Dictionary<int, HashSet<string>> _rules = new();

    public FusionGroups(Region region)
    {
        _ops = region.Ops.Where(o => !o.Def.IsTerminator).ToList();
        for (int i = 0; i < _ops.Count; i++) _index[_ops[i]] = i;
        _parent = Enumerable.Range(0, _ops.Count).ToArray();
    }

    public IReadOnlyList<Operation> Ops => _ops;

    public bool Contains(Operation op) => _index.ContainsKey(op);

    public static bool Fusable(Operation op) =>
        op.Regions.Count == 0 && op.Def.Dialect is "nn" or "moe" or "kv" or "quant";

    private int Find(int i)
    {
        while (_parent[i] != i) { _parent[i] = _parent[_parent[i]]; i = _parent[i]; }
        return i;
    }

    public int GroupOf(Operation op) => Find(_index[op]);

    public IEnumerable<Operation> Members(Operation op)
    {
        int g = GroupOf(op);
        return _ops.Where(o => Find(_index[o]) == g);
    }

    public IReadOnlyCollection<string> RulesOf(int group) => _rules.TryGetValue(group, out var r) ? r : (IReadOnlyCollection<string>)new string[0];

    /// <summary>Merges the groups of a and b if the result is legal; returns whether it merged.</summary>
    public bool TryMerge(Operation a, Operation b, string rule)
    {
        if (!Contains(a) || !Contains(b) || !Fusable(a) || !Fusable(b)) return false;
        int ga = GroupOf(a), gb = GroupOf(b);
        if (ga == gb) return false;
        if (!Convex(ga, gb)) return false;
        _parent[gb] = ga;
        if (!_rules.TryGetValue(ga, out var set)) _rules[ga] = set = new HashSet<string>();
        set.Add(rule);
        if (_rules.TryGetValue(gb, out var other)) { set.UnionWith(other); _rules.Remove(gb); }
        return true;
    }

    /// <summary>No op outside both groups both depends on the union and feeds it.</summary>
    private bool Convex(int ga, int gb)
    {
        bool InUnion(int i) { int g = Find(i); return g == ga || g == gb; }
        var dependsOnUnion = new bool[_ops.Count];
        for (int i = 0; i < _ops.Count; i++)
        {
            bool inUnion = InUnion(i);
            foreach (var v in _ops[i].Operands)
            {
                if (v.Owner is null || !_index.TryGetValue(v.Owner, out var j)) continue;
                bool producerInUnion = InUnion(j);
                if (inUnion && !producerInUnion && dependsOnUnion[j]) return false;
                if (!inUnion && (producerInUnion || dependsOnUnion[j])) dependsOnUnion[i] = true;
            }
        }
        return true;
    }

    /// <summary>Groups with more than one kernel-worthy member, each as its members in region order.</summary>
    public IEnumerable<(int Group, List<Operation> Members)> Groups()
    {
        return _ops.GroupBy(o => GroupOf(o)).Select(g => (g.Key, g.ToList()));
    }
}
