using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Parallelize;

/// <summary>
/// Turns a flat, canonical module into the program one GPU runs under tensor (tp), expert (ep),
/// data (dp, for attention) and pipeline (pp) parallelism: per-GPU weight and activation shapes,
/// explicit collectives with their group sizes, pipeline stage boundaries, and the layout recorded in
/// the module's attributes. Illegal layouts (tp not dividing the heads, ep larger than the experts, ...)
/// are rejected with the reason.
/// </summary>
public sealed class ParallelizePass : IPass
{
    public static readonly PassInfo PassInfo = new("parallelize",
        "Shard the model over GPUs: tensor parallel (tp), expert parallel MoE (ep), data-parallel attention (dp), pipeline stages (pp); insert the collectives.",
        ParallelLayout.Declared,
        new[] { "column_parallel", "row_parallel", "collectives", "replicated_matmuls", "stages" });

    private readonly ParallelLayout _options;

    /// <summary>Rejects layouts that would split a head or an expert: every attention's heads must split
    /// evenly over tp, its KV heads split or be replicated evenly, every MoE layer's experts split over ep.</summary>
    private void CheckDivisibility(Module module)
    {
        var param = IrBuilder.Resolver(module);
        long Static(GraphDsl.Ir.Shapes.DimExpr d) => d.Evaluate(param, _ => null) ?? 0;
        foreach (var op in module.WalkAll())
        {
            var rule = op.Def.Shard;
            if (rule is ShardRule.Heads or ShardRule.LatentHeads)
            {
                long heads = Static(op.Operands[0].Type.Shape[2]);
                if (heads % _options.Tp != 0) throw new PassException($"tp={_options.Tp} does not divide the {heads} attention heads");
                if (rule == ShardRule.Heads)
                {
                    long kv = Static(op.Operands[1].Type.Shape[2]);
                    if (kv % _options.Tp != 0 && _options.Tp % kv != 0)
                        throw new PassException($"tp={_options.Tp} and the {kv} KV heads do not divide one another (each GPU must hold whole KV heads)");
                }
            }
            if (rule == ShardRule.Experts)
            {
                long experts = Static(op.Operand(op.Def.ComputeWeight!)!.Type.Shape[0]);
                if ((experts + _options.Redundant) % _options.Ep != 0)
                    throw new PassException(_options.Redundant == 0
                        ? $"ep={_options.Ep} does not divide the {experts} experts (redundant experts can make up the difference: redundant={_options.Ep - experts % _options.Ep} gives {experts + _options.Ep - experts % _options.Ep} slots)"
                        : $"ep={_options.Ep} does not divide the {experts} experts + {_options.Redundant} redundant = {experts + _options.Redundant} slots");
            }
        }
    }

    public ParallelizePass(ParallelLayout options) { _options = options; }

    public PassInfo Info => PassInfo;

    /// <summary>The first value whose type still names a model parameter (canonicalize folds them to numbers), if any.</summary>
    private static (string Name, GraphDsl.Ir.Types.TensorType Type)? UnfoldedParameter(Module module)
    {
        var parameters = new HashSet<string>();
        var symbols = new HashSet<string>();
        foreach (var op in module.WalkAll())
            foreach (var r in op.Results)
            {
                foreach (var d in r.Type.Shape.Dims) d.CollectNames(parameters, symbols);
                if (parameters.Count > 0) return (op.Name, r.Type);
            }
        return null;
    }

    public PassResult Run(Module module)
    {
        _options.Validate();
        if (module.Functions.Count > 0) throw new PassException("parallelize needs a flat module: run 'inline' (and 'canonicalize') first");
        if (module.WalkAll().Any(o => o.Def.Structure == GraphDsl.Ir.Ops.OpStructure.Kernel))
            throw new PassException("parallelize must run before fuse (fused kernels cannot be split across GPUs)");
        // Its rules read shapes as numbers: with a model parameter left in a shape (bf16[batch, seq, @d]) the reshapes that
        // split heads could not be followed, so attention stayed whole on every GPU while the report said tp=8.
        if (UnfoldedParameter(module) is { } unfolded)
            throw new PassException($"parallelize needs the model's parameters folded into its shapes ({unfolded.Name} has type {unfolded.Type}): run 'canonicalize' first");
        CheckDivisibility(module);
        var pinned = new HashSet<Value>();
        for (int attempt = 0; ; attempt++)
        {
            var rewriter = new TensorParallelRewriter(module, _options, pinned);
            Module result;
            try { result = rewriter.Run(); }
            catch (WeightLayoutConflict c) when (attempt < 64)
            {
                // Two consumers disagree on a weight's layout: replicate that weight and try again.
                pinned.Add(c.Weight);
                continue;
            }
            if (_options.Pp > 1) result = PipelineSplitter.Split(result, _options.Pp, IrBuilder.Resolver(result));
            result.Attributes = _options.RecordIn(result.Attributes);
            var stats = rewriter.Stats;
            stats["stages"] = _options.Pp;
            return new PassResult(result, _options.Gpus > 1, stats);
        }
    }
}
