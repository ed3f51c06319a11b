using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>
/// One operation: a registered op definition, operands, typed attributes, results, nested regions and
/// the source span it came from. Operands sit in the slots of <see cref="OpDef.Operands"/>; an absent
/// optional operand is a null slot. Operations are immutable once built; passes build new ones.
/// </summary>
public sealed class Operation
{
    private readonly Value?[] _slots;
    private readonly Value[] _operands;

    internal Operation(OpDef def, Value?[] slots, AttrDict attributes, IReadOnlyList<TensorType> resultTypes,
        IReadOnlyList<Region> regions, SourceSpan span)
    {
        Def = def;
        _slots = slots;
        _operands = slots.Where(s => s is not null).Select(s => s!).ToArray();
        Attributes = attributes;
        Results = resultTypes.Select((t, i) => new Value(t, this, i, null)).ToArray();
        Regions = regions;
        Span = span;
        foreach (var r in regions) r.Parent = this;
    }

    public OpDef Def { get; }
    public string Name => Def.Name;
    /// <summary>Present operands in slot order.</summary>
    public IReadOnlyList<Value> Operands => _operands;
    /// <summary>All slots, null where an optional operand is absent.</summary>
    public IReadOnlyList<Value?> Slots => _slots;
    public AttrDict Attributes { get; }
    public IReadOnlyList<Value> Results { get; }
    public IReadOnlyList<Region> Regions { get; }
    public SourceSpan Span { get; }
    /// <summary>The region this operation sits in (set when appended).</summary>
    public Region? ParentRegion { get; internal set; }

    public Value Result => Results.Count == 1 ? Results[0] : throw new InvalidOperationException($"{Name} has {Results.Count} results");

    /// <summary>The operand in the named slot, or null if that optional operand is absent.</summary>
    public Value? Operand(string name)
    {
        var i = Def.SlotIndex(name);
        return i >= 0 && i < _slots.Length ? _slots[i] : null;
    }

    /// <summary>Operands of the variadic slot (the last one), if the op has one.</summary>
    public IReadOnlyList<Value> VariadicOperands =>
        Def.HasVariadic ? _slots.Skip(Def.Operands.Count - 1).Select(v => v!).ToArray() : Array.Empty<Value>();

    public override string ToString() => Name + " " + Attributes;
}
