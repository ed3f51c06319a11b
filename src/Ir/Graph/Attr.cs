using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>A typed, immutable attribute value. Integers are dimension expressions so that they may name
/// module parameters (<c>count = @layers</c>) until canonicalize folds them.</summary>
public abstract class Attr : IEquatable<Attr>
{
    public abstract bool Equals(Attr? other);
    public override bool Equals(object? obj) => obj is Attr a && Equals(a);
    public abstract override int GetHashCode();
    public abstract override string ToString();

    public static Attr Int(DimExpr v) => new IntAttr(v);
    public static Attr Float(double v) => new FloatAttr(v);
    public static Attr Bool(bool v) => new BoolAttr(v);
    public static Attr Str(string v) => new StrAttr(v);
    public static Attr Type(DType v) => new DTypeAttr(v);
    public static Attr Shape(Shape v) => new ShapeAttr(v);
    public static Attr Symbol(string v) => new SymbolAttr(v);
    public static Attr List(IEnumerable<Attr> v) => new ListAttr(v);
}

public sealed class IntAttr : Attr
{
    public IntAttr(DimExpr value) { Value = value; }
    public DimExpr Value { get; }
    public override bool Equals(Attr? other) => other is IntAttr a && a.Value.Equals(Value);
    public override int GetHashCode() => Value.GetHashCode();
    public override string ToString() => Value is ConstDim || Value is ParamDim ? Value.ToString() : "(" + Value + ")";
}

public sealed class FloatAttr : Attr
{
    public FloatAttr(double value) { Value = value; }
    public double Value { get; }
    public override bool Equals(Attr? other) => other is FloatAttr a && a.Value.Equals(Value);
    public override int GetHashCode() => Value.GetHashCode();
    /// <summary>Round-trip format that always reads back as a float (has '.', 'e', or is inf/nan).</summary>
    public override string ToString() => Format(Value);

    public static string Format(double v)
    {
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        if (double.IsNaN(v)) return "nan";
        var s = v.ToString("R", CultureInfo.InvariantCulture);
        return s.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? s.Replace("E", "e") : s + ".0";
    }
}

public sealed class BoolAttr : Attr
{
    public BoolAttr(bool value) { Value = value; }
    public bool Value { get; }
    public override bool Equals(Attr? other) => other is BoolAttr a && a.Value == Value;
    public override int GetHashCode() => Value ? 1 : 0;
    public override string ToString() => Value ? "true" : "false";
}

public sealed class StrAttr : Attr
{
    public StrAttr(string value) { Value = value; }
    public string Value { get; }
    public override bool Equals(Attr? other) => other is StrAttr a && a.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();
    public override string ToString() => Quote(Value);

    public static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 32) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}

public sealed class DTypeAttr : Attr
{
    public DTypeAttr(DType value) { Value = value; }
    public DType Value { get; }
    public override bool Equals(Attr? other) => other is DTypeAttr a && a.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();
    public override string ToString() => "!" + Value.Name;
}

public sealed class ShapeAttr : Attr
{
    public ShapeAttr(Shape value) { Value = value; }
    public Shape Value { get; }
    public override bool Equals(Attr? other) => other is ShapeAttr a && a.Value.Equals(Value);
    public override int GetHashCode() => Value.GetHashCode();
    public override string ToString() => Value.ToString();
}

/// <summary>A reference to a function by name, printed <c>@name</c>.</summary>
public sealed class SymbolAttr : Attr
{
    public SymbolAttr(string name) { Name = name; }
    public string Name { get; }
    public override bool Equals(Attr? other) => other is SymbolAttr a && a.Name == Name;
    public override int GetHashCode() => Name.GetHashCode();
    public override string ToString() => "@" + Name;
}

public sealed class ListAttr : Attr
{
    public ListAttr(IEnumerable<Attr> items) { Items = items.ToArray(); }
    public IReadOnlyList<Attr> Items { get; }
    public override bool Equals(Attr? other) => other is ListAttr a && a.Items.SequenceEqual(Items);
    public override int GetHashCode() => Items.Aggregate(17, (h, i) => h * 31 + i.GetHashCode());
    public override string ToString() => "[" + string.Join(", ", Items.Select(i => i.ToString())) + "]";
}
