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
        var chains = module.Body.Ops.Where(o => o.Def.Structure == OpStructure.Output).Select(o => Chain(o, module, uses)).ToList();
        // An output whose chain holds no GEMM is no head (hidden states beside the logits): what it reads keeps every
        // position. A head is cut where its chain starts, for every reader of that value (the residual its final norm
        // and an MoE layer both read runs on the last position in both), unless another output needs that value
        // whole; then it is cut at its own output.
        var whole = ReadBy(chains.Where(c => !c.Head).Select(c => c.Output));
        var cut = new HashSet<Value>();
        var cutOutputs = new HashSet<Operation>();
        foreach (var c in chains.Where(c => c.Head && PerSequence(c.Start)))
        {
            if (!whole.Contains(c.Start)) cut.Add(c.Start);
            else if (PerSequence(c.Output.Operands[0])) cutOutputs.Add(c.Output);
        }
        if (cut.Count + cutOutputs.Count == 0) return new PassResult(module, false);
        var param = IrBuilder.Resolver(module);
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (cutOutputs.Contains(op))
            {
                var last = IrBuilder.Create(NnOps.LastToken, new Value?[] { cloner.Lookup(op.Operands[0]) }, span: op.Span, param: param);
                dst.Append(last);
                dst.Append(IrBuilder.Create(op.Def, new Value?[] { last.Result }, op.Attributes, System.Array.Empty<GraphDsl.Ir.Types.TensorType>(), span: op.Span));
                return System.Array.Empty<Value>();
            }
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
        return new PassResult(rebuilt, true, new Dictionary<string, long> { ["outputs_pruned"] = cut.Count + cutOutputs.Count });
    }

    /// <summary>Where an output's per-position chain starts: walk back while the producer is a top-level op whose only
    /// user is the chain; a head's chain holds a GEMM (the LM head), or its output is one.</summary>
    private static (Operation Output, Value Start, bool Head) Chain(Operation output, Module module, GraphDsl.Ir.Analysis.UseMap uses)
    {
        var v = output.Operands[0];
        bool head = v.Owner?.Def.Fusion == FusionRole.Gemm;
        while (v.Owner is { } p && p.ParentRegion == module.Body && IsPerPosition(p) && uses.Count(v) == 1)
        {
            head |= p.Def.Fusion == FusionRole.Gemm;
            v = PrimaryInput(p);
        }
        return (output, v, head);
    }

    private static bool PerSequence(Value v) => v.Type.Rank >= 3 && v.Type.Shape[1].Equals(GraphDsl.Ir.Shapes.DimExpr.Sym("seq"));

    /// <summary>Every value the given ops read, directly, from inside their regions, or through the ops that made them.</summary>
    private static HashSet<Value> ReadBy(IEnumerable<Operation> readers)
    {
        var seen = new HashSet<Value>();
        var work = new Stack<Operation>(readers);
        while (work.Count > 0)
        {
            var op = work.Pop();
            foreach (var inner in new[] { op }.Concat(op.Regions.SelectMany(r => r.Walk())))
                foreach (var v in inner.Operands)
                    if (seen.Add(v) && v.Owner is { } producer) work.Push(producer);
        }
        return seen;
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
