using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Passes.Quantize;

/// <summary>
/// Gives chosen layers their own repeat so a pass can treat them apart (quantize keeps them in their
/// format). Layers are numbered across the top-level repeats in order, as pipeline stages count them;
/// a repeat is cut into runs of layers that are all chosen or all not (a later run records its first
/// layer in <c>offset</c>, so weight names do not change).
/// </summary>
internal static class LayerPeeler
{
    /// <summary>Resolves "first", "last" and layer numbers against the model's layer count.</summary>
    public static HashSet<long> Resolve(IReadOnlyList<string> entries, long layers)
    {
        var chosen = new HashSet<long>();
        foreach (var e in entries)
        {
            if (e == "first") chosen.Add(0);
            else if (e == "last") chosen.Add(layers - 1);
            else if (long.TryParse(e, out var n) && n >= 0 && n < layers) chosen.Add(n);
            else throw new PassException($"skip_layers: '{e}' is not first, last or a layer number below {layers}");
        }
        return chosen;
    }

    public static long CountLayers(Module m, Func<string, long?> param) =>
        m.Body.Ops.Where(o => o.Def.Structure == OpStructure.Loop).Sum(r => Count(r, param));

    /// <summary>The module with the chosen layers in repeats of their own, and those repeats.</summary>
    public static (Module Module, HashSet<Operation> Peeled) Peel(Module m, HashSet<long> chosen, Func<string, long?> param)
    {
        var result = new Module(m.Name) { Attributes = m.Attributes };
        foreach (var p in m.Params) result.AddParam(p.Name, p.Value);
        result.Symbols.Clear();
        result.Symbols.AddRange(m.Symbols);
        var peeled = new HashSet<Operation>();
        var cloner = new IrCloner();
        long layer = 0;
        foreach (var op in m.Body.Ops)
        {
            if (op.Def.Structure != OpStructure.Loop) { cloner.CloneOp(op, result.Body); continue; }
            long count = Count(op, param);
            var carried = op.Operands.Select(cloner.Lookup).ToList();
            long start = 0;
            while (start < count)
            {
                bool keep = chosen.Contains(layer + start);
                long end = start + 1;
                while (end < count && chosen.Contains(layer + end) == keep) end++;
                carried = PipelineSplitter.Piece(op, carried, start, end - start, cloner, result.Body);
                if (keep) peeled.Add(result.Body.Ops[result.Body.Ops.Count - 1]);
                start = end;
            }
            for (int i = 0; i < op.Results.Count; i++) cloner.Map(op.Results[i], carried[i]);
            layer += count;
        }
        return (result, peeled);
    }

    private static long Count(Operation r, Func<string, long?> param) =>
        r.Attributes.GetInt("count")!.Evaluate(param, _ => null) ?? throw new PassException("skip_layers needs static repeat counts");
}
