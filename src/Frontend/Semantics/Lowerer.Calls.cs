using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Frontend.Semantics;

internal sealed partial class Lowerer
{
    /// <summary>The argument every block call accepts: the weight-name prefix of the call.</summary>
    private const string NameArgument = "name";

    private CtValue EvalCall(CallExpr call, EmitContext ctx)
    {
        if (call.Callee.Contains('.')) return CallOp(call, ctx);
        if (call.Callee is "min" or "max") return CallMinMax(call, ctx);
        if (call.Callee == "activation" && !ctx.File.VisibleBlocks.ContainsKey("activation")) return CallActivation(call, ctx);
        if (ctx.File.VisibleBlocks.TryGetValue(call.Callee, out var block)) return CallBlock(block, call, ctx);
        var candidates = ctx.File.VisibleBlocks.Keys.Concat(OpRegistry.All.Where(d => d.Callable).Select(d => d.Name)).Concat(new[] { "min", "max", "activation" });
        Report(DiagnosticCatalog.UnknownBlock, call.CalleeSpan, call.Callee, NameHints.MissingImport(call.Callee) ?? GraphDsl.Ir.Suggest.DidYouMean(call.Callee, candidates));
        foreach (var a in call.Args) Eval(a.Value, ctx);
        return ErrorValue.Instance;
    }

    private CtValue CallMinMax(CallExpr call, EmitContext ctx)
    {
        var args = call.Args.Select(a => Eval(a.Value, ctx)).ToList();
        if (args.AnyError()) return ErrorValue.Instance;
        if (args.Count != 2 || call.Args.Any(a => a.Name is not null))
        {
            Report(DiagnosticCatalog.TooManyArguments, call.Span, call.Callee, 2, args.Count);
            return ErrorValue.Instance;
        }
        if (args[0] is IntValue a0 && args[1] is IntValue a1)
        {
            var op = call.Callee == "min" ? DimOp.Min : DimOp.Max;
            if (!ExpressionFits(a0.Expr, a1.Expr, call.Span)) return ErrorValue.Instance;
            long? v = a0.Value is long x && a1.Value is long y ? DimExpr.Apply(op, x, y) : null;
            return new IntValue(v is not null && a0.Expr is ConstDim && a1.Expr is ConstDim ? DimExpr.Of(v.Value) : DimExpr.Bin(op, a0.Expr, a1.Expr), v);
        }
        if (IsNumber(args[0]) && IsNumber(args[1]))
            return new FloatValue(call.Callee == "min" ? Math.Min(Num(args[0]), Num(args[1])) : Math.Max(Num(args[0]), Num(args[1])));
        Report(DiagnosticCatalog.TypeMismatch, call.Span, "two numbers", $"{args[0].KindName} and {args[1].KindName}");
        return ErrorValue.Instance;
    }

    /// <summary>The unary activations <c>activation(x, "silu")</c> selects by name.</summary>
    /// <summary>Declared by each op (<see cref="OpDef.ActivationNames"/>).</summary>
    public static readonly IReadOnlyDictionary<string, OpDef> Activations = OpRegistry.Activations.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    /// <summary><c>activation(x, name)</c>: the activation op named by a string, so blocks can take the
    /// activation as a parameter. A bad name is reported where the string was written.</summary>
    private CtValue CallActivation(CallExpr call, EmitContext ctx)
    {
        var args = call.Args.Select(a => Eval(a.Value, ctx)).ToList();
        if (args.AnyError()) return ErrorValue.Instance;
        if (args.Count != 2 || call.Args.Any(a => a.Name is not null) || args[0] is not TensorValue x || args[1] is not StringValue fn)
        {
            Report(DiagnosticCatalog.TypeMismatch, call.Span, "activation(tensor, \"name\")", string.Join(", ", args.Select(a => a.KindName)));
            return ErrorValue.Instance;
        }
        if (!Activations.TryGetValue(fn.Value, out var def))
        {
            Report(DiagnosticCatalog.InvalidAttribute, fn.Origin.IsNone ? call.Span : fn.Origin,
                $"unknown activation \"{fn.Value}\"; known: {string.Join(", ", Activations.Keys)}{GraphDsl.Ir.Suggest.DidYouMean(fn.Value, Activations.Keys)}");
            return ErrorValue.Instance;
        }
        return EmitOp(def, new Value?[] { x.Value }, null, call.Span, ctx);
    }

    // ---------------------------------------------------------------- builtin ops: dialect.op(...)

    private CtValue CallOp(CallExpr call, EmitContext ctx)
    {
        var def = OpRegistry.Find(call.Callee);
        if (def is null || !def.Callable)
        {
            var names = OpRegistry.All.Where(d => d.Callable).Select(d => d.Name);
            Report(DiagnosticCatalog.UnknownBlock, call.CalleeSpan, call.Callee, GraphDsl.Ir.Suggest.DidYouMean(call.Callee, names));
            foreach (var a in call.Args) Eval(a.Value, ctx);
            return ErrorValue.Instance;
        }
        var slots = new Value?[def.HasVariadic ? def.Operands.Count - 1 : def.Operands.Count];
        var variadic = new List<Value>();
        var attrs = new List<KeyValuePair<string, Attr>>();
        var required = def.Operands.Select((o, i) => (o, i)).Where(x => x.o.Kind == OperandKind.Required).ToList();
        var seen = new HashSet<string>();
        int positional = 0;
        bool ok = true;
        foreach (var a in call.Args)
        {
            var v = Eval(a.Value, ctx);
            if (v is ErrorValue) { ok = false; continue; }
            if (a.Name is null)
            {
                if (positional < required.Count)
                {
                    if (TensorArg(v, a, $"operand '{required[positional].o.Name}' of {def.Name}") is { } t) slots[required[positional].i] = t;
                    else ok = false;
                    positional++;
                }
                else if (def.HasVariadic)
                {
                    if (TensorArg(v, a, $"an operand of {def.Name}") is { } t) variadic.Add(t); else ok = false;
                }
                else
                {
                    Report(DiagnosticCatalog.TooManyArguments, a.Span, def.Name, required.Count, call.Args.Count(x => x.Name is null));
                    ok = false;
                }
                continue;
            }
            if (!seen.Add(a.Name)) { Report(DiagnosticCatalog.DuplicateArgument, a.NameSpan, a.Name); ok = false; continue; }
            var slot = def.SlotIndex(a.Name);
            if (slot >= 0 && def.Operands[slot].Kind != OperandKind.Variadic)
            {
                if (TensorArg(v, a, $"operand '{a.Name}' of {def.Name}") is { } t) slots[slot] = t; else ok = false;
                continue;
            }
            var spec = def.FindAttr(a.Name);
            if (spec is null)
            {
                var valid = def.Operands.Select(o => o.Name).Concat(def.Attrs.Select(x => x.Name));
                Report(DiagnosticCatalog.UnknownArgument, a.NameSpan, def.Name, a.Name, GraphDsl.Ir.Suggest.DidYouMean(a.Name, valid));
                ok = false;
                continue;
            }
            var attr = ToAttr(spec, v, a, def);
            if (attr is null) ok = false; else attrs.Add(new KeyValuePair<string, Attr>(a.Name, attr));
        }
        if (positional < required.Count && !def.HasVariadic || positional < required.Count)
        {
            for (int i = positional; i < required.Count; i++)
                if (slots[required[i].i] is null && ok) { Report(DiagnosticCatalog.MissingArgument, call.Span, def.Name, required[i].o.Name); ok = false; }
        }
        foreach (var spec in def.Attrs.Where(s => s.Required && !attrs.Any(x => x.Key == s.Name)))
            if (ok) { Report(DiagnosticCatalog.MissingArgument, call.Span, def.Name, spec.Name); ok = false; }
        if (!ok) return ErrorValue.Instance;
        // Canonical IR leaves attributes at their defaults unwritten.
        attrs.RemoveAll(kv => def.FindAttr(kv.Key)?.Default is { } d && d.Equals(kv.Value));
        return EmitOp(def, slots.Concat(variadic).ToArray(), new AttrDict(attrs), call.Span, ctx);
    }

    private Value? TensorArg(CtValue v, ArgSyntax a, string what)
    {
        if (v is TensorValue t) return t.Value;
        Report(DiagnosticCatalog.TypeMismatch, a.Value.Span, $"a tensor for {what}", v.KindName);
        return null;
    }

    private Attr? ToAttr(AttrSpec spec, CtValue v, ArgSyntax a, OpDef def)
    {
        string what = $"'{a.Name}' of {def.Name}";
        switch (spec.Kind)
        {
            case AttrKind.Int when v is IntValue iv:
                if (!iv.IsStatic) { Report(DiagnosticCatalog.NotStatic, a.Value.Span, what, iv.Expr); return null; }
                return Attr.Int(iv.Expr);
            case AttrKind.Float when IsNumber(v): return Attr.Float(Num(v));
            case AttrKind.Bool when v is BoolValue b: return Attr.Bool(b.Value);
            case AttrKind.String when v is StringValue s:
                if (spec.Choices is not null && !spec.Choices.Contains(s.Value))
                {
                    Report(DiagnosticCatalog.InvalidAttribute, s.Origin.IsNone ? a.Value.Span : s.Origin,
                        $"{what} must be one of {string.Join(", ", spec.Choices)}, not \"{s.Value}\"{GraphDsl.Ir.Suggest.DidYouMean(s.Value, spec.Choices)}");
                    return null;
                }
                return Attr.Str(s.Value);
            case AttrKind.DType when v is DTypeValue d: return Attr.Type(d.Value);
            case AttrKind.DType when v is StringValue ds:
                if (DType.TryParse(ds.Value, out var parsed)) return Attr.Type(parsed);
                Report(DiagnosticCatalog.UnknownDType, a.Value.Span, ds.Value, GraphDsl.Ir.Suggest.DidYouMean(ds.Value, DType.All.Select(x => x.Name)));
                return null;
            case AttrKind.Shape when v is ListValue l && l.Items.All(i => i is IntValue):
                if (l.Items.Count > Shape.MaxRank) { Report(DiagnosticCatalog.RankTooLarge, a.Value.Span, what, l.Items.Count, Shape.MaxRank); return null; }
                return Attr.Shape(new Shape(l.Items.Select(i => ((IntValue)i).Expr)));
            case AttrKind.IntList when v is ListValue l2 && l2.Items.All(i => i is IntValue { IsStatic: true }):
                return Attr.List(l2.Items.Select(i => Attr.Int(((IntValue)i).Expr)));
        }
        Report(DiagnosticCatalog.TypeMismatch, a.Value.Span, $"{spec.KindText} for {what}", v.KindName);
        return null;
    }

    // ---------------------------------------------------------------- blocks

    private CtValue CallBlock(BlockSyntax block, CallExpr call, EmitContext ctx)
    {
        // Evaluate the arguments in the caller's scope.
        var positional = new List<(ArgSyntax Syntax, CtValue Value)>();
        var named = new Dictionary<string, (ArgSyntax Syntax, CtValue Value)>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var a in call.Args)
        {
            var v = Eval(a.Value, ctx);
            if (v is ErrorValue) ok = false;
            if (a.Name is null)
            {
                if (named.Count > 0) { Report(DiagnosticCatalog.SyntaxError, a.Span, "positional arguments must come before named ones"); ok = false; }
                positional.Add((a, v));
            }
            else if (named.ContainsKey(a.Name)) { Report(DiagnosticCatalog.DuplicateArgument, a.NameSpan, a.Name); ok = false; }
            else named[a.Name] = (a, v);
        }
        if (positional.Count > block.Params.Count)
        {
            Report(DiagnosticCatalog.TooManyArguments, positional[block.Params.Count].Syntax.Span, block.Name, block.Params.Count, positional.Count);
            return ErrorValue.Instance;
        }
        string? callName = null;
        foreach (var kv in named)
        {
            if (kv.Key == NameArgument && block.Params.All(p => p.Name != NameArgument))
            {
                if (kv.Value.Value is StringValue s && IsValidWeightName(s.Value)) callName = s.Value;
                else { Report(DiagnosticCatalog.TypeMismatch, kv.Value.Syntax.Value.Span, "a name made of letters, digits and '_' for 'name'", kv.Value.Value.KindName); ok = false; }
                continue;
            }
            var index = block.Params.ToList().FindIndex(p => p.Name == kv.Key);
            if (index < 0)
            {
                Report(DiagnosticCatalog.UnknownArgument, kv.Value.Syntax.NameSpan, block.Name, kv.Key,
                    NameHints.ConfigName(kv.Key, block.Params.Select(p => p.Name))
                        ?? GraphDsl.Ir.Suggest.DidYouMean(kv.Key, block.Params.Select(p => p.Name).Append(NameArgument)));
                ok = false;
            }
            else if (index < positional.Count)
            {
                Report(DiagnosticCatalog.DuplicateArgument, kv.Value.Syntax.NameSpan, kv.Key);
                ok = false;
            }
        }
        if (!ok) return ErrorValue.Instance;
        if (_instantiating.Contains(block))
        {
            var chain = string.Join(" -> ", _instantiating.SkipWhile(b => b != block).Select(b => b.Name).Append(block.Name));
            Report(DiagnosticCatalog.RecursiveBlock, call.CalleeSpan, block.Name, chain);
            return ErrorValue.Instance;
        }
        if (_instantiating.Count >= MaxInstantiationDepth)
        {
            Report(DiagnosticCatalog.BlockCallsTooDeep, call.CalleeSpan, block.Name, MaxInstantiationDepth, string.Join(" -> ", _instantiating.Take(3).Select(b => b.Name)));
            return ErrorValue.Instance;
        }

        var owner = ctx.File.BlockOwner.TryGetValue(block, out var o) ? o : ctx.File;
        var scope = new Scope(null);
        var bound = BindParameters(block, call, positional, named, scope, owner);
        if (bound is null) return ErrorValue.Instance;

        var key = InstanceKey(block, owner, bound, ctx.DefaultDType);
        // An instance that failed reported its errors at its first call; lowering it again for every call would
        // repeat them once per path through the call graph (3^9 times for nine levels of blocks calling three times).
        if (_failedInstances.Contains(key)) return ErrorValue.Instance;
        if (!_instances.TryGetValue(key, out var function))
        {
            function = Instantiate(block, owner, bound, scope, ctx.DefaultDType, call);
            if (function is null) { _failedInstances.Add(key); return ErrorValue.Instance; }
            _instances[key] = function;
        }
        var name = callName ?? block.Name;
        if (callName is not null && !ctx.UsedNames.Add(name)) { Report(DiagnosticCatalog.DuplicateWeightName, named[NameArgument].Syntax.Value.Span, name); return ErrorValue.Instance; }
        if (callName is null) name = ctx.Allocate(name);
        var args = bound.Where(b => b.Value is TensorValue).Select(b => (Value?)((TensorValue)b.Value).Value).ToArray();
        var op = ctx.Builder.Append(CoreOps.Call, args,
            IrBuilder.Attrs(("callee", Attr.Symbol(function.Name)), ("name", Attr.Str(name))), function.ResultTypes, span: call.Span);
        return op.Results.Count == 1 ? new TensorValue(op.Result) : new TupleValue(op.Results.Select(r => (CtValue)new TensorValue(r)).ToList());
    }

    private static bool IsValidWeightName(string s) =>
        s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

    /// <summary>A bound parameter: its name, value and declaration.</summary>
    private sealed record BoundParam(ParamSyntax Syntax, CtValue Value);

    /// <summary>
    /// Binds arguments to parameters in the block's own scope. Tensor parameters are matched first:
    /// names in their shapes that are not parameters become shape variables bound from the argument
    /// (<c>x: [B, S, D]</c> binds D); then the other parameters take their argument or default (which
    /// may use shape variables); last, shape dimensions that name parameters are checked.
    /// </summary>
    private List<BoundParam>? BindParameters(BlockSyntax block, CallExpr call, List<(ArgSyntax Syntax, CtValue Value)> positional,
        Dictionary<string, (ArgSyntax Syntax, CtValue Value)> named, Scope scope, FileUnit owner)
    {
        var paramNames = new HashSet<string>(block.Params.Select(p => p.Name));
        var values = new CtValue?[block.Params.Count];
        var spans = new SourceSpan[block.Params.Count];
        for (int i = 0; i < block.Params.Count; i++)
        {
            var p = block.Params[i];
            if (i < positional.Count) { values[i] = positional[i].Value; spans[i] = positional[i].Syntax.Value.Span; }
            else if (named.TryGetValue(p.Name, out var n)) { values[i] = n.Value; spans[i] = n.Syntax.Value.Span; }
        }
        var ctx = new EmitContext(new Region(), new IrBuilder(new Region(), Param), scope, owner, DType.BF16, isModel: false, block: block);
        var deferred = new List<(int Param, int Axis, ExprSyntax Dim)>();
        bool ok = true;

        // 1. tensors
        for (int i = 0; i < block.Params.Count; i++)
        {
            var p = block.Params[i];
            if (p.Type is not TensorTypeSyntax tt) continue;
            if (values[i] is null)
            {
                if (p.Default is not null) Report(DiagnosticCatalog.InvalidAttribute, p.Default.Span, "tensor parameters cannot have defaults");
                Report(DiagnosticCatalog.MissingArgument, call.Span, block.Name, p.Name);
                ok = false;
                continue;
            }
            if (values[i] is not TensorValue tv) { Report(DiagnosticCatalog.TypeMismatch, spans[i], $"a tensor for '{p.Name}' of {block.Name}", values[i]!.KindName); ok = false; continue; }
            if (!MatchPattern(block, p, tt, tv.Type, spans[i], paramNames, scope, ctx, deferred, i)) ok = false;
            scope.Define(new Binding(p.Name, tv, BindingKind.BlockParam, p.NameSpan));
        }
        // 2. everything else, in order, so defaults may use earlier parameters and shape variables.
        for (int i = 0; i < block.Params.Count; i++)
        {
            var p = block.Params[i];
            if (p.Type is TensorTypeSyntax) continue;
            var v = values[i];
            var span = spans[i];
            if (v is null)
            {
                if (p.Default is null) { Report(DiagnosticCatalog.MissingArgument, call.Span, block.Name, p.Name); ok = false; scope.Define(new Binding(p.Name, ErrorValue.Instance, BindingKind.BlockParam, p.NameSpan)); continue; }
                v = Eval(p.Default, ctx);
                span = p.Default.Span;
            }
            if (v is not ErrorValue) v = CheckScalar((ScalarTypeSyntax)p.Type, v, span, $"'{p.Name}' of {block.Name}");
            if (v is ErrorValue) ok = false;
            values[i] = v;
            scope.Define(new Binding(p.Name, v, BindingKind.BlockParam, p.NameSpan));
        }
        // 3. dimensions that name parameters
        foreach (var (pi, axis, dimSyntax) in deferred)
        {
            var want = Eval(dimSyntax, ctx);
            if (want is not IntValue w) { if (want is not ErrorValue) Report(DiagnosticCatalog.TypeMismatch, dimSyntax.Span, "an integer dimension", want.KindName); ok = false; continue; }
            var have = ((TensorValue)values[pi]!).Type;
            if (!DimEqual(have.Shape[axis], w.Expr))
            {
                Report(DiagnosticCatalog.ShapeMismatch, spans[pi],
                    $"argument '{block.Params[pi].Name}' of {block.Name} has type {have}, but dimension {axis} must be {w.Expr} = {w.Value?.ToString(CultureInfo.InvariantCulture) ?? w.Expr.ToString()}");
                ok = false;
            }
        }
        if (!ok) return null;
        return block.Params.Select((p, i) => new BoundParam(p, values[i]!)).ToList();
    }

    private CtValue CheckScalar(ScalarTypeSyntax type, CtValue v, SourceSpan span, string what)
    {
        switch (type.Name)
        {
            case "int" when v is IntValue: return v;
            case "float" when IsNumber(v): return new FloatValue(Num(v));
            case "bool" when v is BoolValue: return v;
            case "string" when v is StringValue: return v;
            case "dtype" when v is DTypeValue: return v;
            case "dtype" when v is StringValue s && DType.TryParse(s.Value, out var d): return new DTypeValue(d);
            case "int" or "float" or "bool" or "string" or "dtype":
                Report(DiagnosticCatalog.TypeMismatch, span, $"{type.Name} for {what}", v.KindName);
                return ErrorValue.Instance;
            default:
                Report(DiagnosticCatalog.UnknownName, type.Span, type.Name, "; parameter types are int, float, bool, string, dtype or a tensor shape");
                return ErrorValue.Instance;
        }
    }

    private bool MatchPattern(BlockSyntax block, ParamSyntax p, TensorTypeSyntax pattern, TensorType actual, SourceSpan argSpan,
        HashSet<string> paramNames, Scope scope, EmitContext ctx, List<(int, int, ExprSyntax)> deferred, int paramIndex)
    {
        string Expected() => (pattern.DType ?? "") + "[" + (pattern.LeadingEllipsis ? "..., " : "") + string.Join(", ", pattern.Dims.Select(FormatDim)) + "]";
        if (pattern.DType is not null)
        {
            var dt = ResolveDType(pattern.DType, pattern.DTypeSpan);
            if (dt is null) return false;
            if (dt != actual.DType)
            {
                Report(DiagnosticCatalog.DTypeMismatch, argSpan, $"argument '{p.Name}' of {block.Name} must be {Expected()} but has type {actual}");
                return false;
            }
        }
        int lead = actual.Rank - pattern.Dims.Count;
        if (lead < 0 || (!pattern.LeadingEllipsis && lead != 0))
        {
            Report(DiagnosticCatalog.RankMismatch, argSpan,
                $"argument '{p.Name}' of {block.Name} must be {Expected()} ({pattern.Dims.Count}{(pattern.LeadingEllipsis ? " or more" : "")} dimensions) but has type {actual}");
            return false;
        }
        for (int j = 0; j < pattern.Dims.Count; j++)
        {
            var dimSyntax = pattern.Dims[j];
            var actualDim = actual.Shape[lead + j];
            if (dimSyntax is NameExpr n && !paramNames.Contains(n.Name) && scope.Lookup(n.Name) is null
                && !ctx.File.VisibleConsts.ContainsKey(n.Name) && Array.IndexOf(Symbols, n.Name) < 0)
            {
                // A shape variable: bound by the first tensor that mentions it, checked by the others.
                long? value = null;
                try { value = actualDim.Evaluate(Param, _ => null); } catch (ArithmeticException) { }
                scope.Define(new Binding(n.Name, new IntValue(actualDim, value), BindingKind.ShapeVar, n.Span));
                continue;
            }
            if (MentionsParam(dimSyntax, paramNames)) { deferred.Add((paramIndex, lead + j, dimSyntax)); continue; }
            var want = Eval(dimSyntax, ctx);
            if (want is ErrorValue) return false;
            if (want is not IntValue w) { Report(DiagnosticCatalog.TypeMismatch, dimSyntax.Span, "an integer dimension", want.KindName); return false; }
            if (!DimEqual(actualDim, w.Expr))
            {
                Report(DiagnosticCatalog.ShapeMismatch, argSpan,
                    $"argument '{p.Name}' of {block.Name} must be {Expected()} but has type {actual}: dimension {lead + j} is {actualDim}, expected {w.Expr}");
                return false;
            }
        }
        return true;
    }

    private static bool MentionsParam(ExprSyntax e, HashSet<string> names) => e switch
    {
        NameExpr n => names.Contains(n.Name),
        BinaryExpr b => MentionsParam(b.Left, names) || MentionsParam(b.Right, names),
        UnaryExpr u => MentionsParam(u.Operand, names),
        CallExpr c => c.Args.Any(a => MentionsParam(a.Value, names)),
        CondExpr k => MentionsParam(k.Condition, names) || MentionsParam(k.IfTrue, names) || MentionsParam(k.IfFalse, names),
        _ => false,
    };

    private static string FormatDim(ExprSyntax e) => e switch
    {
        NameExpr n => n.Name,
        IntLit i => i.Value.ToString(CultureInfo.InvariantCulture),
        BinaryExpr b => FormatDim(b.Left) + " " + b.Op + " " + FormatDim(b.Right),
        _ => "?",
    };

    /// <summary>Instances are shared by calls with the same block, argument values and tensor types.</summary>
    private static string InstanceKey(BlockSyntax block, FileUnit owner, List<BoundParam> bound, DType defaultDType)
    {
        var sb = new StringBuilder(owner.Path).Append('#').Append(block.Name).Append('|').Append(defaultDType.Name);
        foreach (var b in bound)
        {
            sb.Append('|').Append(b.Syntax.Name).Append('=');
            sb.Append(b.Value switch
            {
                IntValue i => "i:" + i.Expr,
                FloatValue f => "f:" + f.Value.ToString("R", CultureInfo.InvariantCulture),
                BoolValue x => "b:" + x.Value,
                StringValue s => "s:" + s.Value,
                DTypeValue d => "d:" + d.Value.Name,
                TensorValue t => "t:" + t.Type,
                _ => "?",
            });
        }
        return sb.ToString();
    }

    private Function? Instantiate(BlockSyntax block, FileUnit owner, List<BoundParam> bound, Scope scope, DType defaultDType, CallExpr call)
    {
        var name = block.Name;
        if (_functionNames.TryGetValue(name, out var n)) { _functionNames[name] = n + 1; name = name + "_" + n.ToString(CultureInfo.InvariantCulture); }
        else _functionNames[name] = 1;
        var function = new Function(name);
        // Tensor parameters become the function's arguments, in declaration order.
        foreach (var b in bound)
            if (b.Value is TensorValue t)
                scope.Define(new Binding(b.Syntax.Name, new TensorValue(function.Body.AddArgument(t.Type)), BindingKind.BlockParam, b.Syntax.NameSpan));
        var ctx = new EmitContext(function.Body, new IrBuilder(function.Body, Param), new Scope(scope), owner, defaultDType, isModel: false, block: block);
        _instantiating.Add(block);
        _callSites.Add((block.Name, call.Span));
        int errors = ErrorCount();
        LowerStatements(block.Body, ctx);
        _callSites.RemoveAt(_callSites.Count - 1);
        _instantiating.RemoveAt(_instantiating.Count - 1);
        if (ErrorCount() > errors) return null;
        if (ctx.Returned is null) { Report(DiagnosticCatalog.MissingReturn, block.NameSpan, block.Name); return null; }
        var results = ctx.Returned.OfType<TensorValue>().ToList();
        if (results.Count != ctx.Returned.Count) return null;
        if (block.Results is not null && !CheckDeclaredResults(block, results, scope, call)) return null;
        ctx.Builder.Append(CoreOps.Return, results.Select(r => (Value?)r.Value).ToArray(), resultTypes: Array.Empty<TensorType>(), span: block.Span);
        function.SetResultTypes(results.Select(r => r.Type).ToArray());
        _module.AddFunction(function);
        return function;
    }

    private bool CheckDeclaredResults(BlockSyntax block, List<TensorValue> results, Scope scope, CallExpr call)
    {
        string Actual() => string.Join(", ", results.Select(r => r.Type.ToString()));
        if (block.Results!.Count != results.Count)
        {
            Report(DiagnosticCatalog.ResultTypeMismatch, block.NameSpan, block.Name, block.Results.Count + " result(s)", Actual());
            return false;
        }
        var ctx = new EmitContext(new Region(), new IrBuilder(new Region(), Param), scope, new FileUnit(new FileSyntax(new SourceText("", ""),
            Array.Empty<ImportSyntax>(), Array.Empty<ConstSyntax>(), Array.Empty<BlockSyntax>(), Array.Empty<ModelSyntax>(), SourceSpan.None)),
            DType.BF16, isModel: false, block: block);
        for (int i = 0; i < results.Count; i++)
        {
            if (block.Results[i] is not TensorTypeSyntax tt) { Report(DiagnosticCatalog.ResultTypeMismatch, block.Results[i].Span, block.Name, "a tensor", Actual()); return false; }
            var t = results[i].Type;
            int lead = t.Rank - tt.Dims.Count;
            bool ok = lead >= 0 && (tt.LeadingEllipsis || lead == 0) && (tt.DType is null || (DType.TryParse(tt.DType, out var d) && d == t.DType));
            for (int j = 0; ok && j < tt.Dims.Count; j++)
                ok = Eval(tt.Dims[j], ctx) is IntValue w && DimEqual(t.Shape[lead + j], w.Expr);
            if (!ok)
            {
                Report(DiagnosticCatalog.ResultTypeMismatch, call.Span, block.Name, (tt.DType ?? "") + "[" + string.Join(", ", tt.Dims.Select(FormatDim)) + "]", t);
                return false;
            }
        }
        return true;
    }
}
