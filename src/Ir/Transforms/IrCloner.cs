using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Transforms;

/// <summary>
/// Copies IR into new regions, mapping old values to new ones, optionally rewriting every dimension
/// expression (in types and integer/shape attributes). Passes build their output with it: a hook sees
/// each op first and may emit something else, or map its results to existing values (erasing it).
/// </summary>
public sealed class IrCloner
{
    private readonly Dictionary<Value, Value> _map = new();

    public IrCloner(Func<DimExpr, DimExpr>? dims = null) { Dims = dims ?? (d => d); }

    /// <summary>Applied to every dimension expression that is copied.</summary>
    public Func<DimExpr, DimExpr> Dims { get; }

    /// <summary>Called for each op before it is copied. Return null to copy it normally, or the values
    /// that replace its results (the op is then not copied; it may have appended replacements itself).</summary>
    public Func<Operation, Region, IReadOnlyList<Value>?>? Hook { get; set; }

    public void Map(Value from, Value to) => _map[from] = to;

    /// <summary>The copy of <paramref name="v"/>; values defined outside what is cloned map to themselves.</summary>
    public Value Lookup(Value v) => _map.TryGetValue(v, out var m) ? m : v;

    public bool IsMapped(Value v) => _map.ContainsKey(v);

    public TensorType Type(TensorType t) => new(t.DType, t.Shape.Map(Dims));

    public Attr Attr(Attr a) => a switch
    {
        IntAttr i => Graph.Attr.Int(Dims(i.Value)),
        ShapeAttr s => Graph.Attr.Shape(s.Value.Map(Dims)),
        ListAttr l => Graph.Attr.List(l.Items.Select(Attr)),
        _ => a,
    };

    public AttrDict Attrs(AttrDict a) => a.Map(Attr);

    /// <summary>Copies the ops of <paramref name="src"/> (not its arguments) to the end of <paramref name="dst"/>.</summary>
    public void CloneOps(Region src, Region dst)
    {
        foreach (var op in src.Ops) CloneOp(op, dst);
    }

    /// <summary>Copies one op (and its regions) to the end of <paramref name="dst"/> unless the hook handles it.</summary>
    public void CloneOp(Operation op, Region dst)
    {
        var replaced = Hook?.Invoke(op, dst);
        if (replaced is not null)
        {
            for (int i = 0; i < op.Results.Count; i++) Map(op.Results[i], replaced[i]);
            return;
        }
        var copy = Copy(op, op.Attributes);
        dst.Append(copy);
    }

    /// <summary>Builds a copy of <paramref name="op"/> with new attributes, without appending it.</summary>
    public Operation Copy(Operation op, AttrDict attributes)
    {
        var regions = op.Regions.Select(r =>
        {
            var nr = new Region();
            foreach (var a in r.Arguments) Map(a, nr.AddArgument(Type(a.Type)));
            CloneOps(r, nr);
            return nr;
        }).ToList();
        var slots = op.Slots.Select(v => v is null ? null : Lookup(v)).ToArray();
        var copy = IrBuilder.Create(op.Def, slots, Attrs(attributes), op.Results.Select(r => Type(r.Type)).ToArray(), regions, op.Span);
        for (int i = 0; i < op.Results.Count; i++) Map(op.Results[i], copy.Results[i]);
        return copy;
    }

    /// <summary>Copies a whole module: parameters (through <paramref name="param"/>), symbols, functions, body.</summary>
    public static Module CloneModule(Module m, IrCloner cloner, Func<ParamDef, DimExpr>? param = null, Func<Function, bool>? keepFunction = null)
    {
        var result = new Module(m.Name) { Attributes = m.Attributes };
        foreach (var p in m.Params) result.AddParam(p.Name, param?.Invoke(p) ?? p.Value);
        result.Symbols.Clear();
        result.Symbols.AddRange(m.Symbols);
        foreach (var f in m.Functions)
        {
            if (keepFunction is not null && !keepFunction(f)) continue;
            var nf = new Function(f.Name, f.ResultTypes.Select(cloner.Type).ToArray());
            foreach (var a in f.Body.Arguments) cloner.Map(a, nf.Body.AddArgument(cloner.Type(a.Type)));
            cloner.CloneOps(f.Body, nf.Body);
            result.AddFunction(nf);
        }
        cloner.CloneOps(m.Body, result.Body);
        return result;
    }
}
