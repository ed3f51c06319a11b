using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Logits;

/// <summary>
/// Serving engines compute logits only for the last position of each sequence (the next token), not for
/// every prompt token. This pass finds the chain of per-position ops that ends in each output (final
/// norm, LM head) and inserts <c>nn.last_token</c> where it starts, so those ops run on one row per
/// sequence at prefill. Decode steps (one new token) are unchanged.
/// </summary>
public sealed class PruneLogitsPass : IPass
{
    public static readonly PassInfo PassInfo = new("prune-logits",
        "Compute the head (final norm, LM head) for the last position of each sequence only, as serving engines do.",
        statistics: new[] { "outputs_pruned" });

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        var uses = GraphDsl.Ir.Analysis.UseMap.Build(module);
        // The value where each head's per-position chain starts: walk back from an output while the producer is a
        // top-level op whose only user is the chain. An output is a head when its chain holds a GEMM (the LM head);
        // any other output (hidden states beside the logits) keeps every position. The chain's first op (or the output
        // itself) reads the cut value's last position; the value's other readers keep every position.
        var cut = new HashSet<Value>();
        var edges = new HashSet<(Operation Reader, Value Cut)>();
        foreach (var output in module.Body.Ops.Where(o => o.Def.Structure == OpStructure.Output))
        {
            var reader = output;
            var v = output.Operands[0];
            bool head = false;
            while (v.Owner is { } p && p.ParentRegion == module.Body && IsPerPosition(p) && uses.Count(v) == 1)
            {
                head |= p.Def.Fusion == FusionRole.Gemm;
                reader = p;
                v = PrimaryInput(p);
            }
            // A head whose logits have other readers too (softmax beside them) is cut at its output.
            head |= v.Owner?.Def.Fusion == FusionRole.Gemm;
            if (!head || v.Type.Rank < 3 || !v.Type.Shape[1].Equals(GraphDsl.Ir.Shapes.DimExpr.Sym("seq"))) continue;
            cut.Add(v);
            edges.Add((reader, v));
        }
        if (cut.Count == 0) return new PassResult(module, false);
        var param = IrBuilder.Resolver(module);
        var cloner = new IrCloner();
        var lastOf = new Dictionary<Value, Value>();
        cloner.Hook = (op, dst) =>
        {
            var whole = new List<(Value Old, Value New)>();
            foreach (var v in op.Operands.Distinct())
                if (edges.Contains((op, v)) && lastOf.TryGetValue(v, out var last)) { whole.Add((v, cloner.Lookup(v))); cloner.Map(v, last); }
            var copy = cloner.Copy(op, op.Attributes);
            foreach (var (old, all) in whole) cloner.Map(old, all);
            dst.Append(copy);
            foreach (var r in op.Results.Where(cut.Contains))
            {
                var last = IrBuilder.Create(NnOps.LastToken, new Value?[] { copy.Results[r.Index] }, span: op.Span, param: param);
                dst.Append(last);
                lastOf[r] = last.Result;
            }
            return copy.Results;
        };
        // Types downstream of the cut change (seq becomes 1): rebuild those ops by inference.
        var rebuilt = Retype(IrCloner.CloneModule(module, cloner), param);
        return new PassResult(rebuilt, true, new Dictionary<string, long> { ["outputs_pruned"] = edges.Count });
    }

    private static bool IsPerPosition(Operation op) =>
        op.Def.IsPure && op.Regions.Count == 0 && op.Results.Count == 1 && op.Result.Type.Rank >= 3 &&
        (op.Def.IsElementwise || op.Def.Fusion is FusionRole.Norm or FusionRole.Gemm
         // Identity on purpose: of the collectives only an all-gather (of a column-split LM head's logits) keeps each position's row.
         || op.Def == CommOps.AllGather);

    private static Value PrimaryInput(Operation op) => op.Operands.First(v => v.Owner?.Def.Structure != OpStructure.Weight);

    /// <summary>Re-infers result types of the body's top-level ops (the cut changed some inputs' shapes).</summary>
    private static Module Retype(Module m, System.Func<string, long?> param)
    {
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (op.Def.Infer is null || op.Regions.Count > 0 || op.ParentRegion != m.Body) return null;
            var copy = IrBuilder.Create(op.Def, op.Slots.Select(v => v is null ? null : cloner.Lookup(v)).ToArray(), op.Attributes, span: op.Span, param: param);
            dst.Append(copy);
            return copy.Results;
        };
        return IrCloner.CloneModule(m, cloner);
    }
}
