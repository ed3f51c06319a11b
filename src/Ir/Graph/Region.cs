using System.Collections.Generic;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>
/// A single-block region: typed arguments and a list of operations ending in a terminator
/// (<c>core.yield</c>, <c>core.return</c> or, for the module body, <c>core.output</c>s). Regions may read
/// values of enclosing regions (they are not isolated from above), as MLIR's scf.for body does.
/// </summary>
public sealed class Region
{
    private readonly List<Value> _arguments = new();
    private readonly List<Operation> _ops = new();

    public IReadOnlyList<Value> Arguments => _arguments;
    public IReadOnlyList<Operation> Ops => _ops;
    public Operation? Parent { get; internal set; }
    /// <summary>Set for a function's body region.</summary>
    public Function? Function { get; internal set; }

    public Value AddArgument(TensorType type)
    {
        var v = new Value(type, null, _arguments.Count, this);
        _arguments.Add(v);
        return v;
    }

    public void Append(Operation op)
    {
        op.ParentRegion = this;
        _ops.Add(op);
    }

    public Operation? Terminator => _ops.Count > 0 && _ops[_ops.Count - 1].Def.IsTerminator ? _ops[_ops.Count - 1] : null;

    /// <summary>Whether <paramref name="v"/> is defined in this region or in one nested in it (an op's result or a region's
    /// argument), rather than outside it.</summary>
    public bool Defines(Value v)
    {
        for (var r = v.Owner?.ParentRegion ?? v.ArgumentOf; r is not null; r = r.Parent?.ParentRegion)
            if (r == this) return true;
        return false;
    }

    /// <summary>The values the ops of this region (nested ones included) read from outside it, in first-use order.</summary>
    public List<Value> Captures()
    {
        var seen = new HashSet<Value>();
        var result = new List<Value>();
        foreach (var op in Walk())
            foreach (var v in op.Operands)
                if (!Defines(v) && seen.Add(v)) result.Add(v);
        return result;
    }

    /// <summary>Depth-first walk of every operation, nested regions included (pre-order).</summary>
    public IEnumerable<Operation> Walk()
    {
        foreach (var op in _ops)
        {
            yield return op;
            foreach (var r in op.Regions)
                foreach (var inner in r.Walk())
                    yield return inner;
        }
    }
}
