using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.Reference;

/// <summary>
/// What a kernel sees of one op execution: its operand tensors by slot name, its attributes with the
/// op's declared defaults, shape evaluation under the step's symbol bindings, and token positions.
/// </summary>
public sealed class OpCall
{
    internal OpCall(Interpreter interpreter, StepContext step, Frame frame, Operation op)
    {
        Interpreter = interpreter; Step = step; Frame = frame; Op = op;
    }

    internal Interpreter Interpreter { get; }
    internal StepContext Step { get; }
    internal Frame Frame { get; }

    public Operation Op { get; }

    /// <summary>Weight-name prefix of the executing region (e.g. <c>layers.3</c>).</summary>
    public string Path => Frame.Path;

    /// <summary>Absolute position of this step's first token (tokens already in the cache).</summary>
    public long PastTokens => Step.PastTokens;

    /// <summary>The tensor in a required operand slot.</summary>
    public Tensor Input(string slot) => Optional(slot) ?? throw Error($"operand '{slot}' is missing");

    /// <summary>The tensor in an optional operand slot, or null when the slot is empty.</summary>
    public Tensor? Optional(string slot)
    {
        if (Op.Def.SlotIndex(slot) < 0) throw Error($"has no operand slot '{slot}'");
        var v = Op.Operand(slot);
        return v is null ? null : ValueOf(v);
    }

    /// <summary>Operand tensors in slot order (all present operands).</summary>
    public IReadOnlyList<Tensor> Operands => Op.Operands.Select(ValueOf).ToArray();

    /// <summary>Tensors of the variadic slot.</summary>
    public IReadOnlyList<Tensor> Variadic => Op.VariadicOperands.Select(ValueOf).ToArray();

    internal Tensor ValueOf(Value v) => Frame.Find(v) ?? throw Error("reads a value that was not computed (a use before its definition?)");

    private Attr? AttrOrDefault(string name) => Op.Attributes.Get(name) ?? Op.Def.FindAttr(name)?.Default;

    public long Int(string name)
    {
        var a = AttrOrDefault(name) as IntAttr ?? throw Error($"has no integer attribute '{name}'");
        return Evaluate(a.Value, "attribute " + name);
    }

    public double Float(string name) => AttrOrDefault(name) switch
    {
        FloatAttr f => f.Value,
        IntAttr i => Evaluate(i.Value, "attribute " + name),
        _ => throw Error($"has no float attribute '{name}'"),
    };

    public bool Bool(string name) => (AttrOrDefault(name) as BoolAttr)?.Value ?? throw Error($"has no bool attribute '{name}'");

    public string Str(string name) => (AttrOrDefault(name) as StrAttr)?.Value ?? throw Error($"has no string attribute '{name}'");

    public DType? DType(string name) => (AttrOrDefault(name) as DTypeAttr)?.Value;

    public IReadOnlyList<long> IntList(string name) =>
        (AttrOrDefault(name) as ListAttr)?.Items.Select(i => Evaluate(((IntAttr)i).Value, "attribute " + name)).ToArray()
        ?? throw Error($"has no list attribute '{name}'");

    /// <summary>Evaluates a shape under the step's bindings; unbound symbols are an error naming the op.</summary>
    public int[] Dims(Shape shape) => shape.Dims.Select(d => checked((int)Evaluate(d, "shape " + shape))).ToArray();

    public long Evaluate(DimExpr e, string what)
    {
        long? v;
        try { v = Step.TryEvaluate(e); }
        catch (ArithmeticException ex) { throw Error($"cannot evaluate {what}: {ex.Message}"); }
        if (v is null)
        {
            var unbound = StepContext.SymbolsOf(e).Where(n => n.StartsWith("@", StringComparison.Ordinal)
                ? Step.TryEvaluate(DimExpr.Param(n.Substring(1))) is null
                : !Step.Symbols.ContainsKey(n));
            throw Error($"{what} uses {string.Join(", ", unbound.Select(n => "'" + n + "'"))}, which nothing binds " +
                "(the reference interpreter binds symbols from the inputs' shapes and ctx from the cache)");
        }
        return v.Value;
    }

    /// <summary>Absolute positions of <paramref name="count"/> queries of this step: past + index.</summary>
    public long[] QueryPositions(int count)
    {
        var p = new long[count];
        for (int i = 0; i < count; i++) p[i] = PastTokens + i;
        return p;
    }

    /// <summary>
    /// Absolute positions of the <paramref name="count"/> keys in an operand along axis 1: those the
    /// kv.cache it came from tracked, or else (keys computed in this step) aligned so the last key sits
    /// at the last of the <paramref name="queryCount"/> queries.
    /// </summary>
    public long[] KeyPositions(string slot, int count, int queryCount)
    {
        var v = Op.Operand(slot);
        // Look through ops that keep axis 1 (conversions and views: casts, reshapes, last-axis splits) back to the cache.
        for (int guard = 0; v is not null && guard < 8; guard++)
        {
            var tracked = Frame.FindPositions(v);
            if (tracked is not null && tracked.Length == count) return tracked;
            var owner = v.Owner;
            if (owner is null || owner.Operands.Count == 0) break;
            if (owner.Def.Fusion is not (FusionRole.View or FusionRole.Convert)) break;
            v = owner.Operands[0];
        }
        var first = PastTokens + queryCount - count;
        var positions = new long[count];
        for (int j = 0; j < count; j++) positions[j] = first + j;
        return positions;
    }

    /// <summary>An exception whose message names this op and where it runs.</summary>
    public InterpreterException Error(string message)
    {
        var where = Path.Length == 0 ? "" : " (in " + Path + ")";
        var name = Op.Attributes.GetString("name");
        var label = name is null || Op.Def.Structure == OpStructure.Loop ? Op.Name : Op.Name + " '" + name + "'";
        return new InterpreterException(string.Create(CultureInfo.InvariantCulture, $"{label}{where}: {message}"), Op.Name);
    }

    /// <summary>Fails unless the tensor has the given rank.</summary>
    public void RequireRank(string what, Tensor t, int rank)
    {
        if (t.Rank != rank) throw Error($"{what} must have rank {rank} but is {t.ShapeText}");
    }
}
