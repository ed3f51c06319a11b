using System.Collections.Generic;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Ir.Ops;

/// <summary>Short constructors for the op tables, so each op reads like a record.</summary>
internal static class Spec
{
    public static OperandSpec In(string name, string doc = "") => new(name, OperandKind.Required, doc);
    public static OperandSpec Opt(string name, string doc = "") => new(name, OperandKind.Optional, doc);
    public static OperandSpec Var(string name, string doc = "") => new(name, OperandKind.Variadic, doc);

    public static AttrSpec Int(string name, string doc, long? dflt = null) =>
        new(name, AttrKind.Int, doc, dflt is null ? null : Attr.Int(DimExpr.Of(dflt.Value)), required: dflt is null);
    public static AttrSpec Float(string name, string doc, double? dflt = null) =>
        new(name, AttrKind.Float, doc, dflt is null ? null : Attr.Float(dflt.Value), required: dflt is null);
    public static AttrSpec Bool(string name, string doc, bool dflt) => new(name, AttrKind.Bool, doc, Attr.Bool(dflt));
    public static AttrSpec Str(string name, string doc, string? dflt = null) =>
        new(name, AttrKind.String, doc, dflt is null ? null : Attr.Str(dflt), required: dflt is null);
    public static AttrSpec Choice(string name, string doc, string dflt, params string[] choices) =>
        new(name, AttrKind.String, doc, Attr.Str(dflt), required: false, choices: choices);
    public static AttrSpec RequiredChoice(string name, string doc, params string[] choices) =>
        new(name, AttrKind.String, doc, null, required: true, choices: choices);
    public static AttrSpec Type(string name, string doc, bool required = true) => new(name, AttrKind.DType, doc, required: required);
    public static AttrSpec ShapeA(string name, string doc) => new(name, AttrKind.Shape, doc, required: true);
    public static AttrSpec Ints(string name, string doc) => new(name, AttrKind.IntList, doc, required: true);

    public static IReadOnlyList<T> L<T>(params T[] items) => items;
}
