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
        // The value where each output's per-position chain starts: walk back while the producer is a
        // top-level op whose only user is the chain.
        var cut = new HashSet<Value>();
        foreach (var output in module.Body.Ops.Where(o => o.Def.Structure == OpStructure.Output))
        {
            var v = output.Operands[0];
            while (v.Owner is { } p && p.ParentRegion == module.Body && IsPerPosition(p) && uses.Count(v) == 1)
                v = PrimaryInput(p);
            if (v.Type.Rank >= 3 && v.Type.Shape[1].Equals(GraphDsl.Ir.Shapes.DimExpr.Sym("seq"))) cut.Add(v);
        }
        if (cut.Count == 0) return new PassResult(module, false);
        var param = IrBuilder.Resolver(module);
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            var copy = cloner.Copy(op, op.Attributes);
            dst.Append(copy);
            foreach (var r in op.Results.Where(cut.Contains))
            {
                var last = IrBuilder.Create(NnOps.LastToken, new Value?[] { copy.Results[r.Index] }, span: op.Span, param: param);
                dst.Append(last);
                cloner.Map(r, last.Result);
            }
            return op.Results.Select(r => cut.Contains(r) ? cloner.Lookup(r) : copy.Results[r.Index]).ToList();
        };
        // Types downstream of the cut change (seq becomes 1): rebuild those ops by inference.
        var rebuilt = Retype(IrCloner.CloneModule(module, cloner), param);
        return new PassResult(rebuilt, true, new Dictionary<string, long> { ["outputs_pruned"] = cut.Count });
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
