using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Transforms;
using GraphDsl.Ir.Types;

namespace GraphDsl.Passes.Overlap;

/// <summary>
/// One layer group split into N nano-batches: the carried values are sliced before the repeat, the body is
/// cloned per nano-batch (weights shared) with collectives made asynchronous, the clones' ops are
/// interleaved segment by segment (a segment ends where a collective starts), and the nano-batches are
/// joined after the repeat.
/// </summary>
internal sealed class NanoBatchedRepeat
{
    private readonly Operation _repeat;
    private readonly int _n;
    private readonly double _smShare;
    private readonly IrCloner _outer;
    private readonly Region _dst;
    private readonly Dictionary<string, long> _stats;

    public NanoBatchedRepeat(Operation repeat, int n, double smShare, IrCloner outer, Region dst, Dictionary<string, long> stats)
    {
        _repeat = repeat; _n = n; _smShare = smShare; _outer = outer; _dst = dst; _stats = stats;
    }

    public IReadOnlyList<Value> Build()
    {
        var batch = DimExpr.Sym("batch");
        var slice = batch / DimExpr.Of(_n);
        DimExpr Shrink(DimExpr d) => d.SubstituteSymbols(s => s == "batch" ? slice : null);
        var src = _repeat.Regions[0];
        // Slices of the carried values, nano-batch-major.
        var inits = new List<Value>();
        for (int i = 0; i < _n; i++)
            foreach (var v in _repeat.Operands)
            {
                // The previous group's join, split the same way: take its parts instead of re-slicing.
                var outer = _outer.Lookup(v);
                // Identity on purpose: this pass's own batch_concat of the previous repeat's nano-batches is undone, not sliced again.
                if (outer.Owner is { } join && join.Def == NnOps.BatchConcat && join.Operands.Count == _n) { inits.Add(join.Operands[i]); continue; }
                var s = IrBuilder.Create(NnOps.BatchSlice, new Value?[] { outer },
                    IrBuilder.Attrs(("index", Attr.Int(i)), ("count", Attr.Int(_n))), span: _repeat.Span);
                _dst.Append(s);
                inits.Add(s.Result);
            }
        // Values the body reads from outside the repeat (the encoder's output a cross-attention reads, a
        // bias table): a batch-major one is sliced per nano-batch like the carried values, any other is shared.
        var captured = src.Captures();
        var capturedParts = captured.Select(v =>
        {
            var outer = _outer.Lookup(v);
            if (!IsBatchMajor(v.Type)) return Enumerable.Repeat(outer, _n).ToArray();
            return Enumerable.Range(0, _n).Select(i =>
            {
                var s = IrBuilder.Create(NnOps.BatchSlice, new Value?[] { outer },
                    IrBuilder.Attrs(("index", Attr.Int(i)), ("count", Attr.Int(_n))), span: _repeat.Span);
                _dst.Append(s);
                return s.Result;
            }).ToArray();
        }).ToList();
        var body = new Region();
        var args = inits.Select(v => body.AddArgument(v.Type)).ToList();
        int carried = _repeat.Operands.Count;

        // Weights are shared by the nano-batches: cloned once, ahead of everything.
        var shared = new IrCloner(Shrink);
        foreach (var w in src.Ops.Where(o => o.Def.Structure == OpStructure.Weight)) { var copy = shared.Copy(w, w.Attributes); body.Append(copy); }

        // Each nano-batch's ops, with its collectives made asynchronous; waits are placed lazily.
        var sequences = new List<List<Operation>>();
        var pendingWaits = new List<Dictionary<Value, Operation>>();
        for (int i = 0; i < _n; i++)
        {
            var ops = new List<Operation>();
            var waits = new Dictionary<Value, Operation>();
            var clone = new IrCloner(Shrink);
            foreach (var w in src.Ops.Where(o => o.Def.Structure == OpStructure.Weight)) clone.Map(w.Result, shared.Lookup(w.Result));
            for (int j = 0; j < carried; j++) clone.Map(src.Arguments[j], args[i * carried + j]);
            for (int j = 0; j < captured.Count; j++) clone.Map(captured[j], capturedParts[j][i]);
            var scratch = new Region();
            bool nested = false;
            int index = i;
            clone.Hook = (op, dst) =>
            {
                if (nested)
                {
                    // Ops inside a region (fused.kernel) are copied in place; expert copies say which nano-batch they serve.
                    if (!op.Def.HasRoutedWeights) return null;
                    var marked = clone.Copy(op, op.Attributes.With("nanobatch", Attr.Int(index)));
                    dst.Append(marked);
                    return marked.Results;
                }
                if (op.Def.Structure == OpStructure.Weight) return new[] { clone.Lookup(op.Result) };
                if (op.Def.IsTerminator) return Array.Empty<Value>();
                if (OverlapPass.IsSyncCollective(op))
                {
                    var start = OverlapPass.StartFor(op, clone.Lookup(op.Operands[0]), clone.Type(op.Result.Type), _smShare, fused: false);
                    var wait = OverlapPass.WaitFor(start);
                    ops.Add(start);
                    waits[wait.Result] = wait;
                    _stats["collectives_async"]++;
                    return wait.Results;
                }
                // Re-infer: shapes now hold batch / n.
                var regions = op.Regions.Select(r =>
                {
                    var nr = new Region();
                    foreach (var a in r.Arguments) clone.Map(a, nr.AddArgument(clone.Type(a.Type)));
                    nested = true;
                    try { clone.CloneOps(r, nr); } finally { nested = false; }
                    return nr;
                }).ToList();
                var slots = op.Slots.Select(v => v is null ? null : clone.Lookup(v)).ToArray();
                var attrs = op.Def.HasRoutedWeights ? op.Attributes.With("nanobatch", Attr.Int(index)) : op.Attributes;
                var copy = op.Def.Infer is null || op.Regions.Count > 0
                    ? IrBuilder.Create(op.Def, slots, clone.Attrs(attrs), op.Results.Select(r => clone.Type(r.Type)).ToArray(), regions, op.Span)
                    : IrBuilder.Create(op.Def, slots, clone.Attrs(attrs), span: op.Span);
                ops.Add(copy);
                return copy.Results;
            };
            foreach (var op in src.Ops) clone.CloneOp(op, scratch);
            var yields = src.Terminator!.Operands.Select(clone.Lookup).ToList();
            sequences.Add(ops);
            pendingWaits.Add(waits);
            yieldValues.Add(yields);
        }

        // Interleave: segment k of every nano-batch in turn; a wait goes right before its first reader.
        var segments = sequences.Select(Split).ToList();
        int rounds = segments.Max(s => s.Count);
        for (int k = 0; k < rounds; k++)
            for (int i = 0; i < _n; i++)
                if (k < segments[i].Count)
                    foreach (var op in segments[i][k]) Emit(op, pendingWaits[i], body);
        var yieldOperands = new List<Value?>();
        for (int i = 0; i < _n; i++)
        {
            foreach (var v in yieldValues[i]) EmitWaitFor(v, pendingWaits[i], body);
            foreach (var w in pendingWaits[i].Values.ToList()) { body.Append(w); pendingWaits[i].Remove(w.Result); }
            yieldOperands.AddRange(yieldValues[i]);
        }
        body.Append(IrBuilder.Create(CoreOps.Yield, yieldOperands, resultTypes: Array.Empty<TensorType>()));
        var repeat = IrBuilder.Create(CoreOps.Repeat, inits.Select(v => (Value?)v).ToArray(), _repeat.Attributes,
            inits.Select(v => v.Type).ToArray(), new[] { body }, _repeat.Span);
        _dst.Append(repeat);
        // Join the nano-batches of each carried value.
        var joined = new List<Value>();
        for (int j = 0; j < carried; j++)
        {
            var parts = Enumerable.Range(0, _n).Select(i => (Value?)repeat.Results[i * carried + j]).ToArray();
            var concat = IrBuilder.Create(NnOps.BatchConcat, parts, IrBuilder.Attrs(("size", Attr.Int(_repeat.Operands[j].Type.Shape[0]))), span: _repeat.Span);
            _dst.Append(concat);
            joined.Add(concat.Result);
        }
        return joined;
    }

    private readonly List<List<Value>> yieldValues = new();

    private static readonly DimExpr Batch = DimExpr.Sym("batch");

    /// <summary>Whether a value splits into nano-batches along its first axis (the batch).</summary>
    internal static bool IsBatchMajor(TensorType t) => t.Rank > 0 && t.Shape[0].Equals(Batch);

    /// <summary>Whether a value the body reads can be split or shared: batch-major, or free of the batch.</summary>
    internal static bool Splittable(TensorType t) =>
        IsBatchMajor(t) || t.Shape.Dims.All(d => { var p = new HashSet<string>(); var s = new HashSet<string>(); d.CollectNames(p, s); return !s.Contains("batch"); });



    /// <summary>Splits a nano-batch's ops after each collective start.</summary>
    private static List<List<Operation>> Split(List<Operation> ops)
    {
        var segments = new List<List<Operation>> { new() };
        foreach (var op in ops)
        {
            segments[segments.Count - 1].Add(op);
            if (op.Def.Structure == OpStructure.AsyncStart) segments.Add(new List<Operation>());
        }
        if (segments[segments.Count - 1].Count == 0) segments.RemoveAt(segments.Count - 1);
        return segments;
    }

    private static void Emit(Operation op, Dictionary<Value, Operation> waits, Region body)
    {
        foreach (var v in op.Operands) EmitWaitFor(v, waits, body);
        foreach (var r in op.Regions)
            foreach (var inner in r.Walk())
                foreach (var v in inner.Operands) EmitWaitFor(v, waits, body);
        body.Append(op);
    }

    private static void EmitWaitFor(Value v, Dictionary<Value, Operation> waits, Region body)
    {
        if (!waits.TryGetValue(v, out var wait)) return;
        waits.Remove(v);
        body.Append(wait);
    }
}
