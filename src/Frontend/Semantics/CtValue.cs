using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using IrValue = GraphDsl.Ir.Graph.Value;

namespace GraphDsl.Frontend.Semantics;

/// <summary>
/// What a .moe expression evaluates to while a model is lowered. Integers, floats, bools, strings,
/// dtypes and lists are compile-time values; tensors are IR values. Integers keep their symbolic form
/// (<c>@d / @heads</c>, <c>batch * seq</c>) so the IR stays readable, and their value when static.
/// </summary>
internal abstract class CtValue
{
    public abstract string KindName { get; }
}

internal sealed class IntValue : CtValue
{
    public IntValue(DimExpr expr, long? value) { Expr = expr; Value = value; }
    public static IntValue Const(long v) => new(DimExpr.Of(v), v);
    public DimExpr Expr { get; }
    /// <summary>The value when static (no batch/seq/ctx in it); null for dynamic dimensions.</summary>
    public long? Value { get; }
    public bool IsStatic => Value is not null;
    public override string KindName => IsStatic ? "int" : "dimension";
    public override string ToString() => Expr.ToString();
}

internal sealed class FloatValue : CtValue
{
    public FloatValue(double value) { Value = value; }
    public double Value { get; }
    public override string KindName => "float";
}

internal sealed class BoolValue : CtValue
{
    public BoolValue(bool value) { Value = value; }
    public bool Value { get; }
    public override string KindName => "bool";
}

internal sealed class StringValue : CtValue
{
    public StringValue(string value, GraphDsl.Ir.Diagnostics.SourceSpan origin = default) { Value = value; Origin = origin; }
    public string Value { get; }
    /// <summary>Where the literal was written, so a bad value passed down through blocks is reported at the user's line.</summary>
    public GraphDsl.Ir.Diagnostics.SourceSpan Origin { get; }
    public override string KindName => "string";
}

internal sealed class DTypeValue : CtValue
{
    public DTypeValue(DType value) { Value = value; }
    public DType Value { get; }
    public override string KindName => "dtype";
}

internal sealed class ListValue : CtValue
{
    public ListValue(IReadOnlyList<CtValue> items) { Items = items; }
    public IReadOnlyList<CtValue> Items { get; }
    public override string KindName => "list";
}

internal sealed class TensorValue : CtValue
{
    public TensorValue(IrValue value) { Value = value; }
    public IrValue Value { get; }
    public TensorType Type => Value.Type;
    public override string KindName => "tensor " + Value.Type;
}

/// <summary>Several results of one call (moe.route, nn.split, a block returning two tensors).</summary>
internal sealed class TupleValue : CtValue
{
    public TupleValue(IReadOnlyList<CtValue> items) { Items = items; }
    public IReadOnlyList<CtValue> Items { get; }
    public override string KindName => "tuple of " + Items.Count;
}

/// <summary>The value of an expression that failed; its error is already reported, so uses stay quiet.</summary>
internal sealed class ErrorValue : CtValue
{
    public static readonly ErrorValue Instance = new();
    public override string KindName => "error";
}

internal static class CtValueExtensions
{
    public static bool AnyError(this IEnumerable<CtValue> vs) => vs.Any(v => v is ErrorValue);
}
