using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Parallelize;

/// <summary>
/// Pipeline parallelism: splits the layers (the iterations of the top-level repeats) into <c>pp</c>
/// stages of as equal a count as possible, splitting a repeat where a boundary falls inside it
/// (the second part records its first layer in <c>offset</c>), and marks each boundary with a
/// <c>comm.send</c> of the carried activations and the <c>comm.recv</c> that starts the next stage.
/// Ops before the first repeat (the embedding) belong to stage 0, ops after the last to the last stage.
/// </summary>
internal static class PipelineSplitter
{
    public static Module Split(Module m, int pp, Func<string, long?> param)
    {
        var repeats = m.Body.Ops.Where(o => o.Def.Structure == OpStructure.Loop).ToList();
        long Count(Operation r) => r.Attributes.GetInt("count")!.Evaluate(param, _ => null) ?? throw new PassException("pipeline split needs static repeat counts");
        long layers = repeats.Sum(Count);
        if (pp > layers) throw new PassException($"pp={pp} exceeds the model's {layers} layers");
        // Stage s starts at layer boundary[s]; boundaries fall as evenly as layers allow.
        var boundaries = Enumerable.Range(1, pp - 1).Select(s => (long)Math.Round((double)layers * s / pp)).ToList();

        var result = new Module(m.Name) { Attributes = m.Attributes };
        foreach (var p in m.Params) result.AddParam(p.Name, p.Value);
        result.Symbols.Clear();
        result.Symbols.AddRange(m.Symbols);
        var cloner = new IrCloner();
        var (lastUse, captured) = TopLevelReads(m.Body);
        long layer = 0;
        int stage = 0;
        for (int index = 0; index < m.Body.Ops.Count; index++)
        {
            var op = m.Body.Ops[index];
            if (op.Def.Structure != OpStructure.Loop) { cloner.CloneOp(op, result.Body); continue; }
            long count = Count(op), start = 0;
            var carried = op.Operands.Select(cloner.Lookup).ToList();
            while (start < count)
            {
                long end = count;
                if (stage < boundaries.Count && boundaries[stage] < layer + count) end = Math.Max(start, boundaries[stage] - layer);
                if (end > start)
                {
                    carried = Piece(op, carried, start, end - start, cloner, result.Body);
                }
                if (end < count || (stage < boundaries.Count && boundaries[stage] == layer + end))
                {
                    if (stage < boundaries.Count && boundaries[stage] == layer + end)
                    {
                        carried = Boundary(carried, stage, result.Body, op);
                        // Other activations the next stages read (a T5 decoder's layers read the encoder's output)
                        // cross the boundary too: the rest of this repeat reads its captures, later ops their operands.
                        for (int d = 0; d < index; d++)
                            foreach (var v in m.Body.Ops[d].Results)
                                if (m.Body.Ops[d].Def.Structure is not (OpStructure.Weight or OpStructure.Input) &&
                                    (lastUse.TryGetValue(v, out var last) && last > index || end < count && captured.Contains((index, v))))
                                    cloner.Map(v, Boundary(new List<Value> { cloner.Lookup(v) }, stage, result.Body, op)[0]);
                        stage++;
                    }
                }
                start = end;
                if (end == count) break;
            }
            for (int i = 0; i < op.Results.Count; i++) cloner.Map(op.Results[i], carried[i]);
            layer += count;
        }
        return result;
    }

    /// <summary>For each value a top-level op defines, the index of the last top-level op that reads it (as an operand
    /// or from inside its regions), and which top-level ops read which of them from inside their regions.</summary>
    private static (Dictionary<Value, int> Last, HashSet<(int, Value)> Captured) TopLevelReads(Region body)
    {
        var last = new Dictionary<Value, int>();
        var captured = new HashSet<(int, Value)>();
        for (int i = 0; i < body.Ops.Count; i++)
        {
            foreach (var v in body.Ops[i].Operands) last[v] = i;
            foreach (var inner in body.Ops[i].Regions.SelectMany(r => r.Walk()))
                foreach (var v in inner.Operands)
                    if (v.Owner?.ParentRegion == body) { last[v] = i; captured.Add((i, v)); }
        }
        return (last, captured);
    }

    /// <summary>A repeat over iterations [start, start + count) of the original.</summary>
    internal static List<Value> Piece(Operation op, List<Value> inits, long start, long count, IrCloner cloner, Region dst)
    {
        var src = op.Regions[0];
        var body = new Region();
        for (int i = 0; i < src.Arguments.Count; i++) cloner.Map(src.Arguments[i], body.AddArgument(src.Arguments[i].Type));
        cloner.CloneOps(src, body);
        var attrs = op.Attributes.With("count", Attr.Int(count));
        var offset = (op.Attributes.GetInt("offset")?.AsConst ?? 0) + start;
        if (offset != 0) attrs = attrs.With("offset", Attr.Int(offset));
        var piece = IrBuilder.Create(CoreOps.Repeat, inits.Select(v => (Value?)v).ToArray(), attrs, inits.Select(v => v.Type).ToArray(), new[] { body }, op.Span);
        dst.Append(piece);
        return piece.Results.ToList();
    }

    private static List<Value> Boundary(List<Value> carried, int stage, Region dst, Operation origin)
    {
        var received = new List<Value>();
        foreach (var v in carried)
        {
            dst.Append(IrBuilder.Create(CommOps.Send, new Value?[] { v }, IrBuilder.Attrs(("stage", Attr.Int(stage))), Array.Empty<GraphDsl.Ir.Types.TensorType>(), span: origin.Span));
            var recv = IrBuilder.Create(CommOps.Recv, new Value?[] { v }, IrBuilder.Attrs(("stage", Attr.Int(stage + 1))), span: origin.Span);
            dst.Append(recv);
            received.Add(recv.Result);
        }
        return received;
    }
}
