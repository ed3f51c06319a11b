using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Frontend.Semantics;

internal enum BindingKind { Const, Param, BlockParam, ShapeVar, Input, Weight, Let, Carried }

/// <summary>A name's current value. Let-bound and carried names may be reassigned.</summary>
internal sealed class Binding
{
    public Binding(string name, CtValue value, BindingKind kind, SourceSpan span) { Name = name; Value = value; Kind = kind; Span = span; }
    public string Name { get; }
    public CtValue Value { get; set; }
    public BindingKind Kind { get; }
    public SourceSpan Span { get; }
    public bool IsAssignable => Kind is BindingKind.Let or BindingKind.Carried;

    public string KindText => Kind switch
    {
        BindingKind.Const => "constant",
        BindingKind.Param => "model parameter",
        BindingKind.BlockParam => "block parameter",
        BindingKind.ShapeVar => "shape variable",
        BindingKind.Input => "model input",
        BindingKind.Weight => "weight",
        _ => "variable",
    };
}

/// <summary>Lexical scopes: a model or block body, a repeat body, an if branch.</summary>
internal sealed class Scope
{
    private readonly Dictionary<string, Binding> _names = new();

    public Scope(Scope? parent) { Parent = parent; }
    public Scope? Parent { get; }

    public Binding? LookupLocal(string name) => _names.TryGetValue(name, out var b) ? b : null;

    public Binding? Lookup(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._names.TryGetValue(name, out var b)) return b;
        return null;
    }

    /// <summary>The scope that holds <paramref name="b"/>, or null.</summary>
    public Scope? Owner(Binding b)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._names.TryGetValue(b.Name, out var x) && ReferenceEquals(x, b)) return s;
        return null;
    }

    public void Define(Binding b) => _names[b.Name] = b;

    public IEnumerable<string> AllNames()
    {
        for (var s = this; s is not null; s = s.Parent)
            foreach (var n in s._names.Keys) yield return n;
    }
}
