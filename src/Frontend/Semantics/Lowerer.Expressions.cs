using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Frontend.Semantics;

internal sealed partial class Lowerer
{
    private static readonly string[] Symbols = { "batch", "seq", "ctx" };

    private CtValue Eval(ExprSyntax e, EmitContext ctx)
    {
        switch (e)
        {
            case IntLit i: return i.Overflowed ? ErrorValue.Instance : IntValue.Const(i.Value);
            case FloatLit f: return new FloatValue(f.Value);
            case StringLit s: return new StringValue(s.Value, s.Span);
            case BoolLit b: return new BoolValue(b.Value);
            case NameExpr n: return EvalName(n, ctx);
            case ListExpr l:
            {
                var items = l.Items.Select(i => Eval(i, ctx)).ToList();
                return items.AnyError() ? ErrorValue.Instance : new ListValue(items);   // the item's error is reported
            }
            case UnaryExpr u: return EvalUnary(u, ctx);
            case BinaryExpr b: return EvalBinary(b, ctx);
            case CondExpr c:
            {
                var cond = Eval(c.Condition, ctx);
                if (cond is ErrorValue) return cond;
                if (cond is not BoolValue bv) { Report(DiagnosticCatalog.ConditionNotStatic, c.Condition.Span, cond.KindName); return ErrorValue.Instance; }
                return Eval(bv.Value ? c.IfTrue : c.IfFalse, ctx);
            }
            case CallExpr call: return EvalCall(call, ctx);
            default: return ErrorValue.Instance;
        }
    }

    private CtValue EvalName(NameExpr n, EmitContext ctx)
    {
        var b = ctx.Scope.Lookup(n.Name);
        if (b is not null) return b.Value;
        if (ctx.File.VisibleConsts.TryGetValue(n.Name, out var c)) return ConstValue(n.Name, c.Syntax, c.Owner);
        if (Array.IndexOf(Symbols, n.Name) >= 0) return new IntValue(DimExpr.Sym(n.Name), null);
        if (DType.TryParse(n.Name, out var dt)) return new DTypeValue(dt);
        var candidates = ctx.Scope.AllNames().Concat(ctx.File.VisibleConsts.Keys).Concat(Symbols);
        Report(DiagnosticCatalog.UnknownName, n.Span, n.Name, GraphDsl.Ir.Suggest.DidYouMean(n.Name, candidates));
        return ErrorValue.Instance;
    }

    private readonly HashSet<ConstSyntax> _evaluatingConsts = new();

    private CtValue ConstValue(string name, ConstSyntax syntax, FileUnit owner)
    {
        if (owner.ConstValues.TryGetValue(name, out var v)) return v;
        if (!_evaluatingConsts.Add(syntax))
        {
            Report(DiagnosticCatalog.RecursiveBlock, syntax.NameSpan, name, "its own value");
            return ErrorValue.Instance;
        }
        var scope = new Scope(null);
        var ctx = new EmitContext(new Region(), new IrBuilder(new Region(), Param), scope, owner, DType.BF16, isModel: false, block: null);
        v = Eval(syntax.Value, ctx);
        if (v is TensorValue) { Report(DiagnosticCatalog.TypeMismatch, syntax.Value.Span, "a compile-time value for a constant", v.KindName); v = ErrorValue.Instance; }
        _evaluatingConsts.Remove(syntax);
        owner.ConstValues[name] = v;
        return v;
    }

    private CtValue EvalUnary(UnaryExpr u, EmitContext ctx)
    {
        var v = Eval(u.Operand, ctx);
        switch (u.Op, v)
        {
            case (_, ErrorValue): return v;
            case ("-", IntValue i): return Arith("-", IntValue.Const(0), i, u.Span) ;
            case ("-", FloatValue f): return new FloatValue(-f.Value);
            case ("-", TensorValue t): return EmitOp(NnOps.Scale, new Value?[] { t.Value }, IrBuilder.Attrs(("factor", Attr.Float(-1))), u.Span, ctx);
            case ("!", BoolValue b): return new BoolValue(!b.Value);
            default:
                Report(DiagnosticCatalog.TypeMismatch, u.Operand.Span, u.Op == "!" ? "a bool" : "a number or tensor", v.KindName);
                return ErrorValue.Instance;
        }
    }

    private CtValue EvalBinary(BinaryExpr b, EmitContext ctx)
    {
        var l = Eval(b.Left, ctx);
        if (b.Op == "&&" && l is BoolValue { Value: false }) return l;
        if (b.Op == "||" && l is BoolValue { Value: true }) return l;
        var r = Eval(b.Right, ctx);
        if (l is ErrorValue || r is ErrorValue) return ErrorValue.Instance;
        switch (b.Op)
        {
            case "+" or "-" or "*" or "/" or "//" or "%":
                if (l is IntValue li && r is IntValue ri) return Arith(b.Op, li, ri, b.Span);
                if (IsNumber(l) && IsNumber(r) && b.Op != "//" && b.Op != "%") return FloatArith(b.Op, Num(l), Num(r), b.Span);
                if (l is TensorValue || r is TensorValue) return TensorArith(b, l, r, ctx);
                if (b.Op == "+" && l is StringValue ls && r is StringValue rs)
                    return StringFits(ls.Value, rs.Value, b.Span) ? new StringValue(ls.Value + rs.Value) : ErrorValue.Instance;
                break;
            case "<" or "<=" or ">" or ">=":
                if (l is IntValue { IsStatic: false } || r is IntValue { IsStatic: false })
                {
                    var dyn = l is IntValue { IsStatic: false } dl ? dl : (IntValue)r;
                    Report(DiagnosticCatalog.NotStatic, b.Span, "a comparison operand", dyn.Expr);
                    return ErrorValue.Instance;
                }
                if (IsStaticNumber(l) && IsStaticNumber(r))
                {
                    double x = Num(l), y = Num(r);
                    return new BoolValue(b.Op switch { "<" => x < y, "<=" => x <= y, ">" => x > y, _ => x >= y });
                }
                break;
            case "==" or "!=":
                bool? eq = (l, r) switch
                {
                    (IntValue x, IntValue y) when x.IsStatic && y.IsStatic => x.Value == y.Value,
                    _ when IsStaticNumber(l) && IsStaticNumber(r) => Num(l) == Num(r),
                    (StringValue x, StringValue y) => x.Value == y.Value,
                    (BoolValue x, BoolValue y) => x.Value == y.Value,
                    (DTypeValue x, DTypeValue y) => x.Value == y.Value,
                    _ => null,
                };
                if (eq is not null) return new BoolValue(b.Op == "==" ? eq.Value : !eq.Value);
                break;
            case "&&" or "||":
                if (l is BoolValue lb && r is BoolValue rb) return new BoolValue(b.Op == "&&" ? lb.Value && rb.Value : lb.Value || rb.Value);
                break;
        }
        Report(DiagnosticCatalog.TypeMismatch, b.Span, $"operands that support '{b.Op}'", $"{l.KindName} and {r.KindName}");
        return ErrorValue.Instance;
    }

    private static bool IsNumber(CtValue v) => v is FloatValue || v is IntValue { IsStatic: true };
    private static bool IsStaticNumber(CtValue v) => IsNumber(v);
    private static double Num(CtValue v) => v is FloatValue f ? f.Value : ((IntValue)v).Value!.Value;

    private CtValue FloatArith(string op, double x, double y, SourceSpan span)
    {
        if (op == "/" && y == 0) { Report(DiagnosticCatalog.DivisionByZero, span, $"{x} / {y}"); return ErrorValue.Instance; }
        return new FloatValue(op switch { "+" => x + y, "-" => x - y, "*" => x * y, _ => x / y });
    }

    /// <summary>Integer arithmetic keeps the symbolic form and checks it: exact '/', no overflow, no division by zero.</summary>
    private CtValue Arith(string op, IntValue l, IntValue r, SourceSpan span)
    {
        var dop = op switch { "+" => DimOp.Add, "-" => DimOp.Sub, "*" => DimOp.Mul, "%" => DimOp.Mod, _ => DimOp.Div };
        if (!ExpressionFits(l.Expr, r.Expr, span)) return ErrorValue.Instance;
        var expr = DimExpr.Bin(dop, l.Expr, r.Expr);
        if ((dop is DimOp.Div or DimOp.Mod) && r.Value == 0) { Report(DiagnosticCatalog.DivisionByZero, span, expr); return ErrorValue.Instance; }
        if (op == "/" && l.Value is long a && r.Value is long d && a % d != 0)
        {
            Report(DiagnosticCatalog.NotDivisible, span, l.Expr, a, r.Expr, d);
            return ErrorValue.Instance;
        }
        if ((dop is DimOp.Div or DimOp.Mod) && !r.IsStatic)
        {
            Report(DiagnosticCatalog.NotStatic, span, "a divisor", r.Expr);
            return ErrorValue.Instance;
        }
        long? value = null;
        if (l.Value is long x && r.Value is long y)
        {
            try { value = DimExpr.Apply(dop, x, y); }
            catch (OverflowException) { Report(DiagnosticCatalog.IntegerOverflow, span, expr); return ErrorValue.Instance; }
        }
        // Literals fold; named parameters stay symbolic for readability (canonicalize folds them later).
        var simplified = l.Expr is ConstDim && r.Expr is ConstDim && value is not null ? DimExpr.Of(value.Value) : expr.Simplify();
        return new IntValue(simplified, value);
    }

    private CtValue TensorArith(BinaryExpr b, CtValue l, CtValue r, EmitContext ctx)
    {
        if (l is TensorValue lt && r is TensorValue rt)
        {
            var def = b.Op switch { "+" => NnOps.Add, "-" => NnOps.Sub, "*" => NnOps.Mul, _ => null };
            if (def is null) { Report(DiagnosticCatalog.TypeMismatch, b.Span, "'+', '-' or '*' between tensors", $"'{b.Op}'"); return ErrorValue.Instance; }
            return EmitOp(def, new Value?[] { lt.Value, rt.Value }, null, b.Span, ctx);
        }
        // tensor * number, number * tensor, tensor / number: a scale.
        var tensor = (l as TensorValue ?? r as TensorValue)!;
        var other = l is TensorValue ? r : l;
        if (IsNumber(other) && (b.Op == "*" || (b.Op == "/" && l is TensorValue)))
        {
            var k = Num(other);
            if (b.Op == "/" && k == 0) { Report(DiagnosticCatalog.DivisionByZero, b.Span, "tensor / 0"); return ErrorValue.Instance; }
            return EmitOp(NnOps.Scale, new Value?[] { tensor.Value }, IrBuilder.Attrs(("factor", Attr.Float(b.Op == "/" ? 1 / k : k))), b.Span, ctx);
        }
        Report(DiagnosticCatalog.TypeMismatch, b.Span, $"operands that support '{b.Op}'", $"{l.KindName} and {r.KindName}");
        return ErrorValue.Instance;
    }

    /// <summary>Appends an op whose types are inferred; inference errors are reported at <paramref name="span"/>.</summary>
    private CtValue EmitOp(OpDef def, IReadOnlyList<Value?> slots, AttrDict? attrs, SourceSpan span, EmitContext ctx)
    {
        attrs ??= AttrDict.Empty;
        var ictx = new InferContext(def, slots.Select(v => v?.Type).ToArray(), attrs, Param);
        var types = def.Infer!(ictx);
        if (types is null || ictx.Failed)
        {
            foreach (var err in ictx.Errors) Report(err.Descriptor, span, err.Args);
            if (ictx.Errors.Count == 0) Report(DiagnosticCatalog.InvalidAttribute, span, $"{def.Name}: invalid operands");
            return ErrorValue.Instance;
        }
        var op = ctx.Builder.Append(def, slots, attrs, types, span: span);
        return op.Results.Count == 1 ? new TensorValue(op.Result) : new TupleValue(op.Results.Select(v => (CtValue)new TensorValue(v)).ToList());
    }

    // ---------------------------------------------------------------- tensor types

    /// <summary>Evaluates a tensor type written in a statement (input/weight); dims must be known names.</summary>
    private TensorType? EvalTensorType(TensorTypeSyntax t, EmitContext ctx, DType defaultDType, string what, bool requireStatic)
    {
        if (t.LeadingEllipsis) { Report(DiagnosticCatalog.SyntaxError, t.Span, $"'...' is only allowed in block parameter types, not in {what}"); return null; }
        var dtype = defaultDType;
        if (t.DType is not null)
        {
            var d = ResolveDType(t.DType, t.DTypeSpan);
            if (d is null) return null;
            dtype = d;
        }
        if (t.Dims.Count > Shape.MaxRank) { Report(DiagnosticCatalog.RankTooLarge, t.Span, $"the type of {what}", t.Dims.Count, Shape.MaxRank); return null; }
        var dims = new List<DimExpr>();
        bool ok = true;
        foreach (var de in t.Dims)
        {
            var v = Eval(de, ctx);
            if (v is ErrorValue) { ok = false; continue; }
            if (v is not IntValue iv) { Report(DiagnosticCatalog.TypeMismatch, de.Span, "an integer dimension", v.KindName); ok = false; continue; }
            if (requireStatic && !iv.IsStatic) { Report(DiagnosticCatalog.NotStatic, de.Span, $"a dimension of {what}", iv.Expr); ok = false; continue; }
            if (iv.Value is <= 0) { Report(DiagnosticCatalog.NonPositiveDim, de.Span, $"a dimension of {what}", iv.Value); ok = false; continue; }
            dims.Add(iv.Expr);
        }
        if (!ok) return null;
        if (requireStatic && !CheckElementLimit(dims, what, t.Span)) return null;
        return new TensorType(dtype, new Shape(dims));
    }

    /// <summary>Weights must fit in memory we could plausibly describe: at most 2^48 elements.</summary>
    private bool CheckElementLimit(IReadOnlyList<DimExpr> dims, string what, SourceSpan span)
    {
        const long Limit = 1L << 48;
        double n = 1;
        foreach (var d in dims) n *= d.Evaluate(Param, _ => 1) ?? 1;
        if (n <= Limit) return true;
        Report(DiagnosticCatalog.TooLarge, span, what, n.ToString("E3", System.Globalization.CultureInfo.InvariantCulture), Limit);
        return false;
    }
}
