using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Ir.Analysis;

/// <summary>What an op's work depends on, from the least to the most: nothing a request brings (weights only), the
/// request (its inputs without the step's tokens, such as an encoder's source), or the step (an input with the
/// <c>seq</c> dimension: the tokens this step feeds in).</summary>
public enum Dependence { Constant, PerRequest, PerStep }

/// <summary>A value computed once per request and read by the work of every step: what a sequence holds in memory across
/// its generation (a cross-attention's keys and values computed from the encoder's output). <see cref="Consumer"/> is the
/// index in <see cref="ModelWalker.Walk"/> of the first step op reading it; <see cref="Multiplicity"/> how many copies a
/// step holds (its producer's trip count).</summary>
public readonly record struct RequestValue(Value Value, long Multiplicity, int Consumer);

/// <summary>
/// Which ops a decode step must run: an op none of whose transitive inputs is a per-step input (an input whose shape has
/// <c>seq</c>) gives the same result at every step of a request, so serving engines run it once, at prefill, and keep
/// what the step reads of it (HF transformers' T5 caches each decoder layer's cross-attention keys and values in
/// <c>past_key_values</c> on the first step; TensorRT-LLM and vLLM run the encoder once per request). The values such
/// ops hand to step-dependent ops are <see cref="Held"/>: the per-sequence cache that replaces them. Results follow
/// <see cref="ModelWalker.Walk"/>'s order, an op in a function once per call, with the call's arguments bound.
/// A module without a per-step input has no decode step to analyse: every op counts as per-step there.
/// </summary>
public sealed class StepDependence
{
    private readonly List<Dependence> _of = new();
    private readonly List<RequestValue> _held = new();
    private readonly Dictionary<Value, Fact> _facts = new();
    private readonly HashSet<(Value, int)> _heldSeen = new();
    private readonly Module _module;
    private readonly Func<string, long?> _param;

    private StepDependence(Module m) { _module = m; _param = IrBuilder.Resolver(m); }

    /// <summary>Whether the module has an input with the seq dimension: without one nothing is step-invariant.</summary>
    public bool HasStepInputs { get; private set; }

    /// <summary>Each walked op's dependence, in <see cref="ModelWalker.Walk"/>'s order.</summary>
    public IReadOnlyList<Dependence> Of => _of;

    /// <summary>Values computed once per request that step ops read, each once per copy held.</summary>
    public IReadOnlyList<RequestValue> Held => _held;

    /// <summary>Whether the walked op at <paramref name="walkIndex"/> runs once per request (at prefill) and not in a decode
    /// step. Ops that read weights only stay in the step, as the cost model has always priced them.</summary>
    public bool OncePerRequest(int walkIndex) => HasStepInputs && _of[walkIndex] == Dependence.PerRequest;

    public static StepDependence Analyze(Module m)
    {
        var a = new StepDependence(m);
        a.HasStepInputs = m.WalkAll().Any(op => op.Def.Structure == OpStructure.Input && MentionsSeq(op.Result.Type.Shape));
        a.Region(m.Body, 1, 0, record: true);
        if (!a.HasStepInputs) a._held.Clear();
        return a;
    }

    /// <summary>What a value's dependence is, and for a value computed once per request, the op result holding it
    /// (through kernel and call arguments) with that op's trip count.</summary>
    private readonly record struct Fact(Dependence Kind, Value? Origin, long Multiplicity, int Producer = -1);

    private Fact FactOf(Value v) => _facts.TryGetValue(v, out var f) ? f : new Fact(Dependence.Constant, null, 1);

    /// <summary>Walks a region as <see cref="ModelWalker"/> does, appending each op's dependence when
    /// <paramref name="record"/> (a repeat's body is walked without it until its carried values settle).</summary>
    private void Region(Region r, long mult, int depth, bool record)
    {
        if (depth > 64) throw new InvalidOperationException("call nesting deeper than 64 (recursive functions?)");
        foreach (var op in r.Ops)
        {
            int index = record ? _of.Count : -1;
            if (record) _of.Add(Dependence.Constant);
            var own = Op(op, index, mult, depth, record);
            if (record) _of[index] = own;
            // A fused kernel's members read its arguments: the kernel itself is the consumer of what it is given.
            if (record && own == Dependence.PerStep && Consumes(op) && r.Parent?.Def.Structure != OpStructure.Kernel)
                foreach (var v in op.Operands) Hold(v, index);
        }
    }

    /// <summary>Whether <paramref name="op"/> does a step's work with its operands (rather than passing them on into a region).</summary>
    private static bool Consumes(Operation op) => op.Def.Structure is not (OpStructure.Loop or OpStructure.Call or OpStructure.Yield or OpStructure.Return);

    private void Hold(Value v, int consumer)
    {
        var f = FactOf(v);
        if (f.Kind != Dependence.PerRequest || f.Origin is null || !_heldSeen.Add((f.Origin, f.Producer))) return;
        _held.Add(new RequestValue(f.Origin, f.Multiplicity, consumer));
    }

    private Dependence Op(Operation op, int index, long mult, int depth, bool record)
    {
        var inputs = op.Operands.Select(v => FactOf(v).Kind).DefaultIfEmpty(Dependence.Constant).Max();
        switch (op.Def.Structure)
        {
            case OpStructure.Weight:
                return Set(op, Dependence.Constant, mult, index);
            case OpStructure.Input:
                return Set(op, MentionsSeq(op.Result.Type.Shape) ? Dependence.PerStep : Dependence.PerRequest, mult, index);
            case OpStructure.Loop:
                return Loop(op, index, mult, depth, record);
            case OpStructure.Call:
            {
                var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name;
                var f = callee is null ? null : _module.FindFunction(callee);
                if (f is null) return Set(op, inputs, mult, index);
                Bind(f.Body.Arguments, op.Operands);
                Region(f.Body, mult, depth + 1, record);
                return Results(op, f.Body, inputs, mult, index);
            }
            case OpStructure.Kernel:
                Bind(op.Regions[0].Arguments, op.Operands);
                Region(op.Regions[0], mult, depth + 1, record);
                return Results(op, op.Regions[0], inputs, mult, index);
            default:
                foreach (var region in op.Regions)
                {
                    foreach (var arg in region.Arguments) _facts[arg] = new Fact(inputs, null, mult, index);
                    Region(region, mult, depth + 1, record);
                }
                return Set(op, inputs, mult, index);
        }
    }

    /// <summary>A repeat: its carried values start as its operands and become what the body yields, so the body is walked
    /// until their dependence stops growing (at most once more per level), and recorded on the last walk.</summary>
    private Dependence Loop(Operation op, int index, long mult, int depth, bool record)
    {
        var body = op.Regions[0];
        Bind(body.Arguments, op.Operands);
        long inner = checked(mult * ModelWalker.TripCount(op, _param));
        while (true)
        {
            int mark = _of.Count;
            Region(body, inner, depth + 1, record: false);
            bool grew = false;
            var yielded = body.Terminator?.Operands ?? Array.Empty<Value>();
            for (int i = 0; i < Math.Min(yielded.Count, body.Arguments.Count); i++)
            {
                var next = FactOf(yielded[i]);
                var arg = body.Arguments[i];
                if (next.Kind > FactOf(arg).Kind) { _facts[arg] = next; grew = true; }
            }
            if (!grew) break;
        }
        Region(body, inner, depth + 1, record);
        var inputs = op.Operands.Select(v => FactOf(v).Kind).DefaultIfEmpty(Dependence.Constant).Max();
        return Results(op, body, inputs, mult, index);
    }

    private void Bind(IReadOnlyList<Value> args, IReadOnlyList<Value> operands)
    {
        for (int i = 0; i < args.Count; i++) _facts[args[i]] = i < operands.Count ? FactOf(operands[i]) : new Fact(Dependence.Constant, null, 1);
    }

    /// <summary>An op with a region gives what its terminator hands back; its own dependence is the most of those and its inputs.</summary>
    private Dependence Results(Operation op, Region body, Dependence inputs, long mult, int index)
    {
        var handed = body.Terminator?.Operands ?? Array.Empty<Value>();
        var most = inputs;
        for (int i = 0; i < op.Results.Count; i++)
        {
            var f = i < handed.Count ? FactOf(handed[i]) : new Fact(inputs, null, mult);
            // A kernel's or call's result is the value held (its own buffer), whatever its region's members were.
            var kind = MentionsSeq(op.Results[i].Type.Shape) ? Dependence.PerStep : f.Kind;
            _facts[op.Results[i]] = new Fact(kind, op.Results[i], mult, index);
            if (kind > most) most = kind;
        }
        return most;
    }

    /// <summary>An ordinary op: its results depend on what its operands do, and on the step where their shape has the step's tokens.</summary>
    private Dependence Set(Operation op, Dependence inputs, long mult, int index)
    {
        var most = inputs;
        foreach (var r in op.Results)
        {
            var kind = MentionsSeq(r.Type.Shape) ? Dependence.PerStep : inputs;
            _facts[r] = new Fact(kind, r, mult, index);
            if (kind > most) most = kind;
        }
        return most;
    }

    /// <summary>Whether a shape has the seq dimension (in any expression): its size is the step's tokens.</summary>
    public static bool MentionsSeq(Shape shape)
    {
        var parameters = new HashSet<string>();
        var symbols = new HashSet<string>();
        foreach (var d in shape.Dims) d.CollectNames(parameters, symbols);
        return symbols.Contains("seq");
    }
}

/// <summary>The bytes a <see cref="RequestValue"/> holds per sequence.</summary>
public static class RequestValueBytes
{
    /// <summary>Bytes per sequence of every copy of <paramref name="v"/>: the part that grows with each context token
    /// (a cross-attention's keys and values over the source) and the part that does not. A nano-batch's copy
    /// ([batch / n, ...], the overlap pass) holds its share of the sequences.</summary>
    public static (double PerToken, double PerSequence) Of(RequestValue v, Func<string, long?> param)
    {
        const long probe = 720720; // divisible by every nano-batch count up to 16
        var numel = v.Value.Type.Shape.NumElements();
        double At(long ctx) => (double)(numel.Evaluate(param, s => s switch { "batch" => probe, "ctx" => ctx, "seq" => 1, _ => null }) ?? 0) / probe;
        double one = At(1), perToken = At(2) - one;
        double scale = v.Value.Type.DType.BytesPerElement * v.Multiplicity;
        return (perToken * scale, (one - perToken) * scale);
    }
}
