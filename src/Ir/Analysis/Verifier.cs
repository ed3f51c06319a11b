using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Analysis;

/// <summary>
/// Checks the IR's invariants: parameters evaluate; every value is defined before it is used and is
/// visible where it is used; attributes match their specs; result types agree with each op's type
/// inference; regions and terminators are well formed; calls match their callees and do not recurse;
/// weights have static, positive shapes; the model expanded by its calls and repeats stays bounded
/// (<see cref="ExpansionCheck"/>). Runs after the frontend and, under --verify-each, after every pass.
/// </summary>
public sealed class Verifier
{
    private readonly Module _m;
    private readonly List<Diagnostic> _errors = new();
    private Func<string, long?> _param = _ => null;

    private Verifier(Module m) { _m = m; }

    public static IReadOnlyList<Diagnostic> Verify(Module m)
    {
        var v = new Verifier(m);
        v.Run();
        return v._errors;
    }

    private void Fail(Operation? op, string message)
    {
        var subject = op?.Name ?? "module @" + _m.Name;
        // Inference messages already start with the op name.
        if (message.StartsWith(subject + ": ", StringComparison.Ordinal)) message = message.Substring(subject.Length + 2);
        _errors.Add(DiagnosticCatalog.VerifierError.At(op?.Span ?? SourceSpan.None, subject, message));
    }

    private void Run()
    {
        CheckParams();
        var functions = new HashSet<string>();
        foreach (var f in _m.Functions)
        {
            if (!functions.Add(f.Name)) Fail(null, $"function @{f.Name} is defined twice");
            var visible = new HashSet<Value>(f.Body.Arguments);
            CheckRegion(f.Body, visible, RegionKind.Function, f.ResultTypes);
        }
        CheckRegion(_m.Body, new HashSet<Value>(), RegionKind.Graph, null);
        CheckCallGraph();
        CheckAsyncCollectives();
        // Bounds on the expanded model: these are errors of the input (the frontend cannot see them
        // before the whole model is lowered), so they keep their own ids rather than GD0401.
        _errors.AddRange(ExpansionCheck.Check(_m));
        var outputs = _m.Body.Ops.Where(o => o.Def.Structure == OpStructure.Output).Select(o => o.Attributes.GetString("name")).ToList();
        foreach (var dup in outputs.GroupBy(n => n).Where(g => g.Count() > 1))
            Fail(null, $"output '{dup.Key}' is defined {dup.Count()} times");
    }

    private void CheckParams()
    {
        var env = new Dictionary<string, long>();
        foreach (var p in _m.Params)
        {
            var names = new HashSet<string>(); var syms = new HashSet<string>();
            p.Value.CollectNames(names, syms);
            foreach (var n in names.Where(n => !env.ContainsKey(n)))
                Fail(null, $"parameter @{p.Name} uses @{n}, which is not defined before it");
            if (syms.Count > 0) Fail(null, $"parameter @{p.Name} depends on dynamic symbol(s) {string.Join(", ", syms)}");
            try
            {
                var v = p.Value.Evaluate(n => env.TryGetValue(n, out var x) ? x : (long?)null, _ => null);
                if (v is not null) env[p.Name] = v.Value;
            }
            catch (OverflowException) { Fail(null, $"parameter @{p.Name} = {p.Value} overflows a 64-bit integer"); }
            catch (DivideByZeroException) { Fail(null, $"parameter @{p.Name} = {p.Value} divides by zero"); }
        }
        _param = n => env.TryGetValue(n, out var x) ? x : (long?)null;
    }

    private enum RegionKind { Graph, Function, Repeat }

    private void CheckRegion(Region r, HashSet<Value> visible, RegionKind kind, IReadOnlyList<TensorType>? expectedTerminator)
    {
        var local = new HashSet<Value>(visible);
        foreach (var a in r.Arguments) local.Add(a);
        // Weights are found by name and path, and two in one region share their path: the second would be the first
        // tensor under another shape (weights init and run stopped on it as an internal error).
        var weights = new Dictionary<string, Operation>(StringComparer.Ordinal);
        for (int i = 0; i < r.Ops.Count; i++)
        {
            var op = r.Ops[i];
            if (op.Def.Structure == OpStructure.Weight && op.Attributes.GetString("name") is { } name)
            {
                if (!weights.TryGetValue(name, out var first)) weights[name] = op;
                else Fail(op, $"weight '{name}' is declared again in this region{(first.Span.Line > 0 ? $" (first at line {first.Span.Line})" : "")}; each weight of a region needs its own name");
            }
            foreach (var v in op.Operands)
                if (!local.Contains(v)) Fail(op, $"operand {Describe(v)} is not defined before this op or not visible here");
            if (op.Def.IsTerminator && i != r.Ops.Count - 1) Fail(op, "a terminator must be the last op of its region");
            CheckPlacement(op, kind);
            CheckOp(op, local);
            foreach (var res in op.Results) local.Add(res);
        }
        var term = r.Ops.Count > 0 ? r.Ops[r.Ops.Count - 1] : null;
        if (kind == RegionKind.Graph)
        {
            if (!r.Ops.Any(o => o.Def.Structure == OpStructure.Output)) Fail(null, "the graph has no core.output");
            return;
        }
        var (terminator, expectedName) = kind == RegionKind.Function ? (OpStructure.Return, CoreOps.Return.Name) : (OpStructure.Yield, CoreOps.Yield.Name);
        if (term is null || term.Def.Structure != terminator) { Fail(r.Parent, $"region must end with {expectedName}"); return; }
        var types = term.Operands.Select(o => o.Type).ToList();
        var expected = expectedTerminator ?? r.Arguments.Select(a => a.Type).ToList();
        if (types.Count != expected.Count || !types.Zip(expected, SameType).All(x => x))
            Fail(term, $"yields ({string.Join(", ", types)}) but ({string.Join(", ", expected)}) is required");
    }

    private void CheckPlacement(Operation op, RegionKind kind)
    {
        if (op.Def.Structure == OpStructure.Output && kind != RegionKind.Graph) Fail(op, "outputs may only appear in the graph body");
        if (op.Def.Structure == OpStructure.Input && kind != RegionKind.Graph) Fail(op, "inputs may only appear in the graph body");
        if (op.Def.Structure == OpStructure.Yield && kind != RegionKind.Repeat) Fail(op, "core.yield may only end a repeat body");
        if (op.Def.Structure == OpStructure.Return && kind != RegionKind.Function) Fail(op, "core.return may only end a function body");
    }

    private string Describe(Value v) => v.Owner is not null ? $"#{v.Index} of {v.Owner.Name}" : $"region argument {v.Index}";

    private bool SameType(TensorType a, TensorType b) =>
        a.DType == b.DType && a.Rank == b.Rank && a.Shape.Dims.Zip(b.Shape.Dims, DimEqual).All(x => x);

    private bool DimEqual(DimExpr a, DimExpr b)
    {
        if (a.Equals(b)) return true;
        var pa = Poly.From(a, _param); var pb = Poly.From(b, _param);
        return pa is not null && pb is not null && pa.Equals(pb);
    }

    private void CheckOp(Operation op, HashSet<Value> visible)
    {
        var def = op.Def;
        int errorsBefore = _errors.Count;
        // Operand slots.
        int fixedSlots = def.HasVariadic ? def.Operands.Count - 1 : def.Operands.Count;
        if (op.Slots.Count < fixedSlots || (!def.HasVariadic && op.Slots.Count != def.Operands.Count))
            Fail(op, $"has {op.Slots.Count} operand slot(s) but the op defines {def.Operands.Count}");
        for (int i = 0; i < Math.Min(fixedSlots, op.Slots.Count); i++)
            if (def.Operands[i].Kind == OperandKind.Required && op.Slots[i] is null) Fail(op, $"missing operand '{def.Operands[i].Name}'");
        // Attributes.
        foreach (var kv in op.Attributes)
        {
            var spec = def.FindAttr(kv.Key);
            if (spec is null) { Fail(op, $"unknown attribute '{kv.Key}'; valid: {string.Join(", ", def.Attrs.Select(a => a.Name))}"); continue; }
            if (!spec.Accepts(kv.Value)) Fail(op, $"attribute '{kv.Key}' = {kv.Value} is not a valid {spec.KindText}");
            if (kv.Value is IntAttr ia)
            {
                var names = new HashSet<string>(); var syms = new HashSet<string>();
                ia.Value.CollectNames(names, syms);
                foreach (var n in names.Where(n => _param(n) is null)) Fail(op, $"attribute '{kv.Key}' uses unknown or invalid parameter @{n}");
            }
        }
        foreach (var spec in def.Attrs.Where(a => a.Required && !op.Attributes.Has(a.Name)))
            Fail(op, $"missing required attribute '{spec.Name}'");
        // Inference reads the operands and attributes the op declares: with one missing, unknown or of the wrong kind it
        // could only fail or build a type from nothing (found by fuzzing: a cast without its dtype gave a type with no dtype).
        bool wellFormed = _errors.Count == errorsBefore;
        // Types of everything the op touches must use only known parameters and symbols.
        foreach (var t in op.Results.Select(r => r.Type)) CheckTypeNames(op, t);
        if (def.RegionCount != op.Regions.Count) Fail(op, $"has {op.Regions.Count} region(s) but the op defines {def.RegionCount}");

        switch (def.Structure)
        {
            case OpStructure.Weight: CheckWeight(op); break;
            case OpStructure.Loop: CheckRepeat(op, visible); break;
            case OpStructure.Call: CheckCall(op); break;
            case OpStructure.Kernel: CheckFused(op, visible); break;
        }

        if (def.Infer is not null && wellFormed && _errors.Count < 1000)
        {
            var ctx = new InferContext(def, op.Slots.Select(v => v?.Type).ToArray(), op.Attributes, _param);
            IReadOnlyList<TensorType>? inferred;
            try { inferred = def.Infer(ctx); }
            catch (Exception e) when (e is InvalidCastException or NullReferenceException or InvalidOperationException or ArgumentException)
            {
                Fail(op, "malformed op: " + e.Message);
                return;
            }
            if (ctx.Failed) foreach (var e in ctx.Errors) Fail(op, e.Message);
            else if (inferred is not null)
            {
                if (inferred.Count != op.Results.Count || !inferred.Zip(op.Results, (a, b) => SameType(a, b.Type)).All(x => x))
                    Fail(op, $"result types ({string.Join(", ", op.Results.Select(r => r.Type))}) differ from the inferred ({string.Join(", ", inferred)})");
            }
        }
    }

    private void CheckTypeNames(Operation op, TensorType t)
    {
        var names = new HashSet<string>(); var syms = new HashSet<string>();
        foreach (var d in t.Shape.Dims) d.CollectNames(names, syms);
        foreach (var n in names.Where(n => _m.FindParam(n) is null)) Fail(op, $"type {t} uses undefined parameter @{n}");
        foreach (var s in syms.Where(s => !_m.Symbols.Contains(s))) Fail(op, $"type {t} uses undeclared symbol '{s}'");
    }

    private void CheckWeight(Operation op)
    {
        if (op.Results.Count != 1) { Fail(op, "a weight has exactly one result"); return; }
        var t = op.Result.Type;
        foreach (var d in t.Shape.Dims)
        {
            if (!d.IsStatic) { Fail(op, $"weight shape {t.Shape} must be static (no batch, seq or ctx)"); return; }
            long? v;
            try { v = d.Evaluate(_param, _ => null); } catch (ArithmeticException) { v = null; }
            if (v is null || v <= 0) Fail(op, $"weight dimension {d} must evaluate to a positive integer");
        }
    }

    private void CheckRepeat(Operation op, HashSet<Value> visible)
    {
        var count = op.Attributes.GetInt("count");
        long? n = null;
        try { n = count?.Evaluate(_param, _ => null); } catch (ArithmeticException) { }
        if (n is null || n <= 0) Fail(op, $"count {count} must be a positive static integer");
        if (op.Regions.Count != 1) return;
        var body = op.Regions[0];
        var operandTypes = op.Operands.Select(o => o.Type).ToList();
        var argTypes = body.Arguments.Select(a => a.Type).ToList();
        if (operandTypes.Count != argTypes.Count || !operandTypes.Zip(argTypes, SameType).All(x => x))
            Fail(op, $"carries ({string.Join(", ", operandTypes)}) but its body takes ({string.Join(", ", argTypes)})");
        CheckRegion(body, visible, RegionKind.Repeat, null);
    }

    private void CheckFused(Operation op, HashSet<Value> visible)
    {
        if (op.Regions.Count != 1) return;
        var body = op.Regions[0];
        var operandTypes = op.Operands.Select(o => o.Type).ToList();
        var argTypes = body.Arguments.Select(a => a.Type).ToList();
        if (operandTypes.Count != argTypes.Count || !operandTypes.Zip(argTypes, SameType).All(x => x))
            Fail(op, $"reads ({string.Join(", ", operandTypes)}) but its region takes ({string.Join(", ", argTypes)})");
        // Members see only the kernel's arguments: a fused kernel is isolated from above.
        CheckRegion(body, new HashSet<Value>(), RegionKind.Repeat, op.Results.Select(r => r.Type).ToList());
        foreach (var member in body.Ops)
            if (member.Def.Dialect == "comm") Fail(member, "a collective cannot be fused into a kernel");
    }

    private void CheckCall(Operation op)
    {
        var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name;
        var f = callee is null ? null : _m.FindFunction(callee);
        if (f is null) { Fail(op, $"calls unknown function @{callee}"); return; }
        var args = op.Operands.Select(o => o.Type).ToList();
        if (args.Count != f.ArgumentTypes.Count || !args.Zip(f.ArgumentTypes, SameType).All(x => x))
            Fail(op, $"passes ({string.Join(", ", args)}) but @{f.Name} takes ({string.Join(", ", f.ArgumentTypes)})");
        var results = op.Results.Select(o => o.Type).ToList();
        if (results.Count != f.ResultTypes.Count || !results.Zip(f.ResultTypes, SameType).All(x => x))
            Fail(op, $"expects ({string.Join(", ", results)}) but @{f.Name} returns ({string.Join(", ", f.ResultTypes)})");
    }

    /// <summary>An asynchronous collective's result is read only by exactly one comm.wait (in the same
    /// region, after the start), so no value is used before its transfer has finished.</summary>
    private void CheckAsyncCollectives()
    {
        var uses = UseMap.Build(_m);
        foreach (var op in _m.WalkAll())
        {
            if (op.Def.Structure == OpStructure.AsyncStart)
            {
                var users = uses.Of(op.Result).ToList();
                if (users.Count != 1 || users[0].User.Def.Structure != OpStructure.AsyncWait)
                    Fail(op, $"the result of an asynchronous collective must be read by exactly one comm.wait, found {users.Count} use(s){(users.Count > 0 && users.Any(u => u.User.Def.Structure != OpStructure.AsyncWait) ? " including " + users.First(u => u.User.Def.Structure != OpStructure.AsyncWait).User.Name : "")}");
                else if (users[0].User.ParentRegion != op.ParentRegion)
                    Fail(op, "comm.wait must be in the same region as its comm.start");
            }
            if (op.Def.Structure == OpStructure.AsyncWait && op.Operands[0].Owner?.Def.Structure != OpStructure.AsyncStart)
                Fail(op, "comm.wait must wait on a comm.start");
        }
    }

    private void CheckCallGraph()
    {
        var edges = _m.Functions.ToDictionary(f => f.Name, f => f.Body.Walk().Where(o => o.Def.Structure == OpStructure.Call)
            .Select(o => (o.Attributes.Get("callee") as SymbolAttr)?.Name).Where(n => n is not null).Select(n => n!).ToList());
        var state = new Dictionary<string, int>();
        foreach (var f in _m.Functions) Visit(f.Name);

        void Visit(string name)
        {
            if (!edges.ContainsKey(name)) return;
            state.TryGetValue(name, out var s);
            if (s == 2) return;
            if (s == 1) { Fail(null, $"function @{name} is recursive"); return; }
            state[name] = 1;
            foreach (var c in edges[name]) Visit(c);
            state[name] = 2;
        }
    }
}
