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

/// <summary>
/// Checks a model and lowers it to IR in one walk: statements run in order, integer arithmetic is
/// folded (keeping parameter names), block calls become functions instantiated once per distinct
/// argument set, ops are type-checked by their own inference, and every problem is reported at its
/// span while lowering continues, so one run reports many errors.
/// </summary>
internal sealed partial class Lowerer
{
    private const int MaxInstantiationDepth = 64;
    private readonly DiagnosticBag _diagnostics;
    private readonly Module _module;
    private readonly Dictionary<string, long> _params = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Function> _instances = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failedInstances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _functionNames = new(StringComparer.Ordinal);
    private readonly List<BlockSyntax> _instantiating = new();

    private Lowerer(string modelName, DiagnosticBag diagnostics)
    {
        _module = new Module(modelName);
        _diagnostics = diagnostics;
    }

    private long? Param(string name) => _params.TryGetValue(name, out var v) ? v : (long?)null;

    /// <summary>Lowers <paramref name="model"/> of <paramref name="file"/>; null when errors prevent a module.</summary>
    public static Module? Lower(FileUnit file, ModelSyntax model, DiagnosticBag diagnostics)
    {
        var l = new Lowerer(model.Name, diagnostics);
        int before = diagnostics.Items.Count(d => d.Severity == Severity.Error);
        var scope = new Scope(null);
        var ctx = new EmitContext(l._module.Body, new IrBuilder(l._module.Body, l.Param), scope, file, DType.BF16, isModel: true, block: null);
        l.LowerStatements(model.Body, ctx);
        if (!HasOutput(model.Body))
            diagnostics.Report(DiagnosticCatalog.NoOutput, model.NameSpan, model.Name);
        int after = diagnostics.Items.Count(d => d.Severity == Severity.Error);
        return after > before ? null : l._module;
    }

    /// <summary>Call sites of the block instantiations in progress, innermost last.</summary>
    private readonly List<(string Block, SourceSpan Site)> _callSites = new();

    private static bool HasOutput(IReadOnlyList<StmtSyntax> body) =>
        body.Any(s => s is OutputStmt || (s is IfStmt f && (HasOutput(f.Then) || (f.Else is not null && HasOutput(f.Else)))));

    /// <summary>
    /// Reports at <paramref name="span"/>, adding where the enclosing block was called from. A problem
    /// inside a standard-library block is the caller's problem, so it is reported at the user's call and
    /// the library line becomes a note.
    /// </summary>
    private void Report(DiagnosticDescriptor d, SourceSpan span, params object[] args)
    {
        if (_callSites.Count == 0) { _diagnostics.Report(d, span, args); return; }
        var (block, site) = _callSites[_callSites.Count - 1];
        if (IsLibrary(span))
        {
            int user = _callSites.FindLastIndex(c => !IsLibrary(c.Site));
            if (user >= 0)
            {
                _diagnostics.Add(d.At(_callSites[user].Site, args).WithNote($"inside standard-library block '{_callSites[user].Block}'", span));
                return;
            }
        }
        _diagnostics.Add(d.At(span, args).WithNote($"in block '{block}', called here", site));
    }

    private static bool IsLibrary(SourceSpan s) => !s.IsNone && s.File.StartsWith(StandardLibrary.Prefix, StringComparison.Ordinal);

    // ---------------------------------------------------------------- statements

    private void LowerStatements(IReadOnlyList<StmtSyntax> stmts, EmitContext ctx)
    {
        StmtSyntax? previous = null;
        foreach (var s in stmts)
        {
            if (ctx.Returned is not null)
            {
                // A return inside a taken 'if' ends the block quietly; code written after a plain return is a mistake.
                if (previous is ReturnStmt) Report(DiagnosticCatalog.StatementNotAllowed, s.Span, FirstWord(s), "after 'return'");
                return;
            }
            LowerStatement(s, ctx);
            previous = s;
        }
    }

    private static string FirstWord(StmtSyntax s) => s switch
    {
        ParamStmt => "param", DTypeStmt => "dtype", InputStmt => "input", WeightStmt => "weight", LetStmt => "let",
        AssignStmt => "assignment", RepeatStmt => "repeat", IfStmt => "if", ReturnStmt => "return", OutputStmt => "output", _ => "statement",
    };

    private void LowerStatement(StmtSyntax s, EmitContext ctx)
    {
        switch (s)
        {
            case ParamStmt p: LowerParam(p, ctx); break;
            case DTypeStmt d:
                if (ResolveDType(d.DType, d.DTypeSpan) is { } dt) ctx.DefaultDType = dt;
                break;
            case InputStmt i: LowerInput(i, ctx); break;
            case WeightStmt w: LowerWeight(w, ctx); break;
            case LetStmt l: LowerLet(l, ctx); break;
            case AssignStmt a: LowerAssign(a, ctx); break;
            case RepeatStmt r: LowerRepeat(r, ctx); break;
            case IfStmt f: LowerIf(f, ctx); break;
            case ReturnStmt r: LowerReturn(r, ctx); break;
            case OutputStmt o: LowerOutput(o, ctx); break;
        }
    }

    private bool CheckNew(string name, SourceSpan span, EmitContext ctx)
    {
        var existing = ctx.Scope.LookupLocal(name);
        if (existing is null) return true;
        _diagnostics.Add(DiagnosticCatalog.DuplicateDefinition.At(span, name).WithNote("first defined here", existing.Span));
        return false;
    }

    private void LowerParam(ParamStmt p, EmitContext ctx)
    {
        if (!ctx.IsModel) { Report(DiagnosticCatalog.StatementNotAllowed, p.Span, "param", "in a block (declare block parameters in its signature)"); return; }
        if (!CheckNew(p.Name, p.NameSpan, ctx)) return;
        var v = Eval(p.Value, ctx);
        switch (v)
        {
            case ErrorValue: ctx.Scope.Define(new Binding(p.Name, v, BindingKind.Param, p.NameSpan)); return;
            case IntValue iv when !iv.IsStatic:
                Report(DiagnosticCatalog.NotStatic, p.Value.Span, $"parameter '{p.Name}'", iv.Expr);
                ctx.Scope.Define(new Binding(p.Name, ErrorValue.Instance, BindingKind.Param, p.NameSpan));
                return;
            case IntValue iv:
                if (_module.FindParam(p.Name) is not null)
                {
                    Report(DiagnosticCatalog.DuplicateDefinition, p.NameSpan, p.Name);
                    return;
                }
                _module.AddParam(p.Name, iv.Expr);
                _params[p.Name] = iv.Value!.Value;
                ctx.Scope.Define(new Binding(p.Name, new IntValue(DimExpr.Param(p.Name), iv.Value), BindingKind.Param, p.NameSpan));
                return;
            case TensorValue:
                Report(DiagnosticCatalog.TypeMismatch, p.Value.Span, "a compile-time value (int, float, bool, string or dtype) for a parameter", v.KindName);
                ctx.Scope.Define(new Binding(p.Name, ErrorValue.Instance, BindingKind.Param, p.NameSpan));
                return;
            default:
                // Floats, bools, strings and dtypes are compile-time constants; only integers become IR parameters.
                ctx.Scope.Define(new Binding(p.Name, v, BindingKind.Param, p.NameSpan));
                return;
        }
    }

    private void LowerInput(InputStmt i, EmitContext ctx)
    {
        if (!ctx.IsModel) { Report(DiagnosticCatalog.StatementNotAllowed, i.Span, "input", "in a block (pass tensors as block parameters)"); return; }
        if (ctx.Region != _module.Body) { Report(DiagnosticCatalog.StatementNotAllowed, i.Span, "input", "inside repeat or if"); return; }
        if (!CheckNew(i.Name, i.NameSpan, ctx)) return;
        var type = EvalTensorType(i.Type, ctx, ctx.DefaultDType, $"input '{i.Name}'", requireStatic: false);
        CtValue value = ErrorValue.Instance;
        if (type is not null)
        {
            var op = ctx.Builder.Append(CoreOps.Input, Array.Empty<Value?>(), IrBuilder.Attrs(("name", Attr.Str(i.Name))), new[] { type }, span: i.Span);
            value = new TensorValue(op.Result);
        }
        ctx.Scope.Define(new Binding(i.Name, value, BindingKind.Input, i.NameSpan));
    }

    private void LowerWeight(WeightStmt w, EmitContext ctx)
    {
        if (!CheckNew(w.Name, w.NameSpan, ctx)) return;
        var type = EvalTensorType(w.Type, ctx, ctx.DefaultDType, $"weight '{w.Name}'", requireStatic: true);
        CtValue value = ErrorValue.Instance;
        if (type is not null)
        {
            if (!ctx.UsedNames.Add(w.Name))
                Report(DiagnosticCatalog.DuplicateWeightName, w.NameSpan, w.Name);
            var op = ctx.Builder.Append(CoreOps.Weight, Array.Empty<Value?>(), IrBuilder.Attrs(("name", Attr.Str(w.Name))), new[] { type }, span: w.Span);
            value = new TensorValue(op.Result);
        }
        ctx.Scope.Define(new Binding(w.Name, value, BindingKind.Weight, w.NameSpan));
    }

    private void LowerLet(LetStmt l, EmitContext ctx)
    {
        var v = Eval(l.Value, ctx);
        IReadOnlyList<CtValue> values;
        if (l.Names.Count == 1) values = new[] { v is TupleValue t1 && t1.Items.Count == 1 ? t1.Items[0] : v };
        else if (v is TupleValue t && t.Items.Count == l.Names.Count) values = t.Items;
        else if (v is ErrorValue) values = l.Names.Select(_ => (CtValue)ErrorValue.Instance).ToList();
        else
        {
            Report(DiagnosticCatalog.WrongResultCount, l.Value.Span, Describe(l.Value), v is TupleValue tv ? tv.Items.Count : 1, l.Names.Count);
            values = l.Names.Select(_ => (CtValue)ErrorValue.Instance).ToList();
        }
        if (l.Names.Count == 1 && v is TupleValue multi && multi.Items.Count > 1)
        {
            Report(DiagnosticCatalog.WrongResultCount, l.Value.Span, Describe(l.Value), multi.Items.Count, 1);
            values = new[] { (CtValue)ErrorValue.Instance };
        }
        for (int i = 0; i < l.Names.Count; i++)
        {
            var (name, span) = l.Names[i];
            if (CheckNew(name, span, ctx)) ctx.Scope.Define(new Binding(name, values[i], BindingKind.Let, span));
        }
    }

    private static string Describe(ExprSyntax e) => e is CallExpr c ? c.Callee : "expression";

    private void LowerAssign(AssignStmt a, EmitContext ctx)
    {
        var b = ctx.Scope.Lookup(a.Name);
        var v = Eval(a.Value, ctx);
        if (b is null)
        {
            Report(DiagnosticCatalog.AssignToUndeclared, a.NameSpan, a.Name);
            return;
        }
        if (!b.IsAssignable)
        {
            Report(DiagnosticCatalog.NotAssignable, a.NameSpan, a.Name, b.KindText);
            return;
        }
        if (v is TupleValue { Items.Count: 1 } t) v = t.Items[0];
        if (v is TupleValue tv)
        {
            Report(DiagnosticCatalog.WrongResultCount, a.Value.Span, Describe(a.Value), tv.Items.Count, 1);
            v = ErrorValue.Instance;
        }
        b.Value = v;
    }

    private void LowerOutput(OutputStmt o, EmitContext ctx)
    {
        if (!ctx.IsModel || ctx.Region != _module.Body) { Report(DiagnosticCatalog.StatementNotAllowed, o.Span, "output", ctx.IsModel ? "inside repeat or if" : "in a block (use return)"); return; }
        var v = Eval(o.Value, ctx);
        if (v is ErrorValue) return;
        if (v is not TensorValue t) { Report(DiagnosticCatalog.TypeMismatch, o.Value.Span, "a tensor", v.KindName); return; }
        if (_module.Body.Ops.Any(op => op.Def.Structure == OpStructure.Output && op.Attributes.GetString("name") == o.Name))
        {
            Report(DiagnosticCatalog.DuplicateDefinition, o.NameSpan, o.Name);
            return;
        }
        ctx.Builder.Append(CoreOps.Output, new Value?[] { t.Value }, IrBuilder.Attrs(("name", Attr.Str(o.Name))), Array.Empty<TensorType>(), span: o.Span);
    }

    private void LowerReturn(ReturnStmt r, EmitContext ctx)
    {
        if (ctx.IsModel) { Report(DiagnosticCatalog.StatementNotAllowed, r.Span, "return", "in a model (use output)"); return; }
        var values = r.Values.Select(e => Eval(e, ctx)).SelectMany(v => v is TupleValue t ? t.Items : new[] { v }).ToList();
        for (int i = 0; i < values.Count; i++)
            if (values[i] is not TensorValue and not ErrorValue)
            {
                Report(DiagnosticCatalog.TypeMismatch, r.Values[Math.Min(i, r.Values.Count - 1)].Span, "a tensor to return", values[i].KindName);
                values[i] = ErrorValue.Instance;
            }
        ctx.Returned = values;
    }

    private void LowerIf(IfStmt f, EmitContext ctx)
    {
        var c = Eval(f.Condition, ctx);
        if (c is ErrorValue) return;
        if (c is not BoolValue b) { Report(DiagnosticCatalog.ConditionNotStatic, f.Condition.Span, c.KindName); return; }
        // Conditions are static, so an 'if' is conditional inclusion: names defined in the taken branch
        // stay visible after it (as in Python), and the other branch is not checked.
        var branch = b.Value ? f.Then : f.Else;
        if (branch is null) return;
        LowerStatements(branch, ctx);
    }

    private void LowerRepeat(RepeatStmt r, EmitContext ctx)
    {
        var countValue = Eval(r.Count, ctx);
        if (countValue is ErrorValue) return;
        if (countValue is not IntValue { Value: > 0 } count)
        {
            Report(DiagnosticCatalog.RepeatCountInvalid, r.Count.Span, countValue is IntValue iv ? iv.Expr.ToString() : countValue.KindName);
            return;
        }
        var name = r.Name ?? "layers";
        if (!ctx.UsedNames.Add(name)) { Report(DiagnosticCatalog.DuplicateWeightName, r.Name is null ? r.Span : r.NameSpan, name); return; }

        // Outer variables assigned in the body are carried from one iteration to the next.
        var carried = new List<Binding>();
        foreach (var n in AssignedNames(r.Body))
        {
            var b = ctx.Scope.Lookup(n);
            if (b is null || !b.IsAssignable || carried.Contains(b)) continue;
            if (b.Value is ErrorValue) return;
            if (b.Value is not TensorValue)
            {
                Report(DiagnosticCatalog.TypeMismatch, r.Span, $"only tensors may change inside repeat, but '{n}' is", b.Value.KindName);
                return;
            }
            carried.Add(b);
        }

        var body = new Region();
        var bodyScope = new Scope(ctx.Scope);
        foreach (var b in carried)
            bodyScope.Define(new Binding(b.Name, new TensorValue(body.AddArgument(((TensorValue)b.Value).Type)), BindingKind.Carried, b.Span));
        var inner = ctx.Nested(body, new IrBuilder(body, Param), bodyScope);
        int errorsBefore = ErrorCount();
        LowerStatements(r.Body, inner);

        var yields = new List<Value?>();
        bool ok = ErrorCount() == errorsBefore;
        foreach (var b in carried)
        {
            var now = bodyScope.LookupLocal(b.Name)!.Value;
            if (now is TensorValue t)
            {
                var expected = ((TensorValue)b.Value).Type;
                if (!SameType(expected, t.Type))
                {
                    Report(DiagnosticCatalog.CarriedTypeChanged, r.Span, b.Name, expected, t.Type);
                    ok = false;
                }
                yields.Add(t.Value);
            }
            else ok = false;
        }
        if (!ok)
        {
            foreach (var b in carried) b.Value = ErrorValue.Instance;
            return;
        }
        inner.Builder.Append(CoreOps.Yield, yields, resultTypes: Array.Empty<TensorType>(), span: r.Span);
        var attrs = IrBuilder.Attrs(("count", Attr.Int(count.Expr)), ("name", Attr.Str(name)));
        var op = ctx.Builder.Append(CoreOps.Repeat, carried.Select(b => (Value?)((TensorValue)b.Value).Value).ToArray(), attrs,
            carried.Select(b => ((TensorValue)b.Value).Type).ToArray(), new[] { body }, r.Span);
        for (int i = 0; i < carried.Count; i++) carried[i].Value = new TensorValue(op.Results[i]);
    }

    private int ErrorCount() => _diagnostics.Items.Count(d => d.Severity == Severity.Error);

    private static IEnumerable<string> AssignedNames(IReadOnlyList<StmtSyntax> stmts)
    {
        foreach (var s in stmts)
            switch (s)
            {
                case AssignStmt a: yield return a.Name; break;
                case IfStmt f:
                    foreach (var n in AssignedNames(f.Then)) yield return n;
                    if (f.Else is not null) foreach (var n in AssignedNames(f.Else)) yield return n;
                    break;
                case RepeatStmt r:
                    foreach (var n in AssignedNames(r.Body)) yield return n;
                    break;
            }
    }

    private bool SameType(TensorType a, TensorType b)
    {
        if (a.DType != b.DType || a.Rank != b.Rank) return false;
        for (int i = 0; i < a.Rank; i++) if (!DimEqual(a.Shape[i], b.Shape[i])) return false;
        return true;
    }

    private bool DimEqual(DimExpr a, DimExpr b)
    {
        if (a.Equals(b)) return true;
        var pa = Poly.From(a, Param); var pb = Poly.From(b, Param);
        return pa is not null && pb is not null && pa.Equals(pb);
    }

    private DType? ResolveDType(string name, SourceSpan span)
    {
        if (DType.TryParse(name, out var t)) return t;
        Report(DiagnosticCatalog.UnknownDType, span, name, GraphDsl.Ir.Suggest.DidYouMean(name, DType.All.Select(d => d.Name)));
        return null;
    }
}
