using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// Which member ops of one fused kernel a pattern lowers together, and where: the pattern's launches
/// are emitted when the walk reaches its anchor (its last member, so every input is traced by then)
/// and its other members are skipped. Ops no pattern claims lower one by one, so a group no pattern
/// fits still runs, just with more launches.
/// </summary>
internal sealed class FusionPlan
{
    private readonly Dictionary<Operation, Action> _anchors = new();
    private readonly HashSet<Operation> _covered = new();

    public FusionPlan(Region region, IReadOnlyList<TValue> args)
    {
        Region = region;
        Args = args;
        for (int i = 0; i < region.Ops.Count; i++)
        {
            var op = region.Ops[i];
            _index[op] = i;
            foreach (var v in op.Operands)
            {
                if (!_uses.TryGetValue(v, out var list)) _uses[v] = list = new List<Operation>();
                list.Add(op);
            }
        }
    }

    private readonly Dictionary<Operation, int> _index = new();
    private readonly Dictionary<Value, List<Operation>> _uses = new();

    public Region Region { get; }
    /// <summary>The traced values of the region's arguments (the kernel's operands).</summary>
    public IReadOnlyList<TValue> Args { get; }
    /// <summary>The patterns that applied, in order (for tests and the launch report).</summary>
    public List<string> Applied { get; } = new();

    public bool IsCovered(Operation op) => _covered.Contains(op);

    /// <summary>Ops (the terminator included) that read <paramref name="v"/> inside the region.</summary>
    public IReadOnlyList<Operation> Uses(Value v) => _uses.TryGetValue(v, out var l) ? l : Array.Empty<Operation>();

    /// <summary>The one member op that reads v, when exactly one op reads it and it is not the terminator.</summary>
    public Operation? OnlyConsumer(Value v)
    {
        var uses = Uses(v);
        return uses.Count == 1 && !uses[0].Def.IsTerminator ? uses[0] : null;
    }

    /// <summary>The member op that produces v, or null for a region argument.</summary>
    public Operation? Producer(Value v) => v.Owner is { } o && _index.ContainsKey(o) ? o : null;

    /// <summary>The traced value of a region argument (null for values members produce).</summary>
    public TValue? Argument(Value v) => v.ArgumentOf == Region ? Args[v.Index] : null;

    /// <summary>True for an argument that is a stored weight.</summary>
    public bool IsStoredWeight(Value v) => Argument(v)?.WeightName is not null;

    /// <summary>
    /// Claims the ops for one pattern, emitted at the last of them. Refused when one is already claimed,
    /// or when an op outside the pattern reads one of its results before that point (it would read a
    /// value not traced yet), or reads one of its <paramref name="internals"/> at all.
    /// </summary>
    public bool Claim(string name, IReadOnlyCollection<Operation> ops, IReadOnlyCollection<Value> internals, Action emit)
    {
        if (ops.Count == 0 || ops.Any(_covered.Contains)) return false;
        var anchor = ops.OrderBy(o => _index[o]).Last();
        int at = _index[anchor];
        foreach (var op in ops)
            foreach (var result in op.Results)
                foreach (var user in Uses(result))
                {
                    if (ops.Contains(user)) continue;
                    if (internals.Contains(result) || _index[user] < at) return false;
                }
        foreach (var op in ops) _covered.Add(op);
        _anchors[anchor] = emit;
        Applied.Add(name);
        return true;
    }

    /// <summary>Runs the pattern anchored at op, if any; true when op is handled by a pattern.</summary>
    public bool Intercept(Operation op)
    {
        if (_anchors.TryGetValue(op, out var emit)) { emit(); return true; }
        return _covered.Contains(op);
    }
}
