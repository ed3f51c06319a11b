using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Ops;

/// <summary>A problem found while inferring an op's result types; the caller adds the location.</summary>
public sealed class InferError
{
    public InferError(DiagnosticDescriptor descriptor, object[] args) { Descriptor = descriptor; Args = args; }
    public DiagnosticDescriptor Descriptor { get; }
    public object[] Args { get; }
    public string Message => Descriptor.At(SourceSpan.None, Args).Message;
}

/// <summary>
/// What an op's type inference sees: the types in its operand slots, its attributes (defaults
/// applied) and the module's parameter values, so that <c>@heads * @head_dim</c> equals <c>4096</c>.
/// Shared by the frontend (which reports errors at the call) and the verifier.
/// </summary>
public sealed class InferContext
{
    private readonly IReadOnlyList<TensorType?> _slots;
    private readonly Func<string, long?> _param;

    public InferContext(OpDef def, IReadOnlyList<TensorType?> slots, AttrDict attrs, Func<string, long?> param)
    {
        Def = def; _slots = slots; Attrs = attrs; _param = param;
    }

    public OpDef Def { get; }
    public AttrDict Attrs { get; }
    public List<InferError> Errors { get; } = new();
    public bool Failed => Errors.Count > 0;

    public TensorType? Slot(string name)
    {
        var i = Def.SlotIndex(name);
        return i >= 0 && i < _slots.Count ? _slots[i] : null;
    }

    public TensorType Operand(string name) => Slot(name) ?? throw new InvalidOperationException($"{Def.Name}: missing operand {name}");

    public IReadOnlyList<TensorType> Variadic =>
        Def.HasVariadic ? _slots.Skip(Def.Operands.Count - 1).Select(t => t!).ToArray() : Array.Empty<TensorType>();

    public Attr? Attr(string name) => Attrs.Get(name) ?? Def.FindAttr(name)?.Default;

    /// <summary>A static integer attribute, resolved through the module's parameters.</summary>
    public long? Int(string name)
    {
        if (Attr(name) is not IntAttr a) return null;
        try { return a.Value.Evaluate(_param, _ => null); }
        catch (ArithmeticException) { return null; }
    }

    public double Float(string name) => Attr(name) switch { FloatAttr f => f.Value, IntAttr { Value: ConstDim c } => c.Value, _ => 0 };
    public bool Bool(string name) => Attr(name) is BoolAttr { Value: true };
    public string? Str(string name) => (Attr(name) as StrAttr)?.Value;
    public DimExpr? Dim(string name) => (Attr(name) as IntAttr)?.Value;

    public Poly? Resolve(DimExpr d) => Poly.From(d, _param);

    /// <summary>Equal for every binding of the dynamic symbols (parameters substituted).</summary>
    public bool Equal(DimExpr a, DimExpr b)
    {
        if (a.Equals(b)) return true;
        var pa = Resolve(a);
        var pb = Resolve(b);
        return pa is not null && pb is not null && pa.Equals(pb);
    }

    public bool SameShape(Shape a, Shape b) => a.Rank == b.Rank && a.Dims.Zip(b.Dims, Equal).All(x => x);

    public long? Static(DimExpr d)
    {
        try { return d.Evaluate(_param, _ => null); }
        catch (ArithmeticException) { return null; }
    }

    public void Error(DiagnosticDescriptor d, params object[] args) => Errors.Add(new InferError(d, args));

    // ---- common checks; each returns false after reporting ----

    public bool RequireRank(string operand, TensorType t, int minRank)
    {
        if (t.Rank >= minRank) return true;
        Error(DiagnosticCatalog.RankMismatch, $"{Def.Name}: '{operand}' needs at least {minRank} dimension(s), but has type {t}");
        return false;
    }

    public bool RequireExactRank(string operand, TensorType t, int rank)
    {
        if (t.Rank == rank) return true;
        Error(DiagnosticCatalog.RankMismatch, $"{Def.Name}: '{operand}' must have {rank} dimension(s), but has type {t}");
        return false;
    }

    public bool RequireDim(string operand, TensorType t, int axis, DimExpr expected, string what)
    {
        var d = t.Shape[axis < 0 ? t.Rank + axis : axis];
        if (Equal(d, expected)) return true;
        Error(DiagnosticCatalog.ShapeMismatch, $"{Def.Name}: {what}: '{operand}' has {d} (type {t}) but {expected} is required");
        return false;
    }

    public bool RequireFloat(string operand, TensorType t)
    {
        if (t.DType.IsFloat) return true;
        Error(DiagnosticCatalog.DTypeMismatch, $"{Def.Name}: '{operand}' must be a floating-point tensor, but has type {t}");
        return false;
    }

    public bool RequireInt(string operand, TensorType t)
    {
        if (t.DType.Kind == ElementKind.Int && !t.DType.IsBlockScaled && t.DType.Bits >= 32) return true;
        Error(DiagnosticCatalog.DTypeMismatch, $"{Def.Name}: '{operand}' must be an i32 or i64 tensor, but has type {t}");
        return false;
    }

    /// <summary>Numpy-style broadcast of trailing-aligned shapes; reports both shapes when incompatible.</summary>
    public Shape? Broadcast(string a, TensorType ta, string b, TensorType tb)
    {
        var rank = Math.Max(ta.Rank, tb.Rank);
        var dims = new DimExpr[rank];
        for (int i = 0; i < rank; i++)
        {
            var da = i < rank - ta.Rank ? null : ta.Shape[i - (rank - ta.Rank)];
            var db = i < rank - tb.Rank ? null : tb.Shape[i - (rank - tb.Rank)];
            if (da is null) dims[i] = db!;
            else if (db is null) dims[i] = da;
            else if (Equal(da, db)) dims[i] = da;
            else if (Static(da) == 1) dims[i] = db;
            else if (Static(db) == 1) dims[i] = da;
            else
            {
                Error(DiagnosticCatalog.ShapeMismatch,
                    $"{Def.Name}: shapes {ta.Shape} ('{a}') and {tb.Shape} ('{b}') do not broadcast: {da} vs {db}");
                return null;
            }
        }
        return new Shape(dims);
    }
}

public static class InferContextExtensions
{
    /// <summary>Reports and returns false unless the two types have equal shapes.</summary>
    public static bool SameShapeOrReport(this InferContext c, string a, TensorType ta, string b, TensorType tb)
    {
        if (c.SameShape(ta.Shape, tb.Shape)) return true;
        c.Error(DiagnosticCatalog.ShapeMismatch, $"{c.Def.Name}: '{a}' is {ta.Shape} but must match {b} {tb.Shape}");
        return false;
    }
}
