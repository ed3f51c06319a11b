using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Plan;

/// <summary>
/// The pipeline stage each op of a parallelized flat module runs on (the stage its top-level op follows the last
/// <c>comm.recv</c> of), and the stages that hold each weight in memory: the stage that defines it and every other stage
/// that reads it. Only a weight outside the layer repeats is read across stages: a tied embedding, defined and looked up
/// on the first stage and read again by the LM head on the last, which holds its own copy (as Megatron-LM and vLLM keep
/// the shared table on both stages). Counting it on the first stage alone left the last stage's memory short by the
/// embedding table.
/// </summary>
public sealed class PipelineStages
{
    private readonly Region _body;
    private readonly Dictionary<Operation, int> _topLevelStage = new();
    private readonly UseMap _uses;

    private PipelineStages(Module m)
    {
        int pp = ParallelLayout.Of(m).Pp;
        Last = pp - 1;
        _body = m.Body;
        _uses = UseMap.Build(m);
        int stage = 0;
        foreach (var op in m.Body.Ops)
        {
            if (op.Def.Structure == OpStructure.StageStart) stage = (int)(op.Attributes.GetInt("stage")?.AsConst ?? stage);
            _topLevelStage[op] = Math.Min(stage, pp - 1);
        }
    }

    /// <summary>The stages of <paramref name="m"/>, as many as its layout's pp.</summary>
    public static PipelineStages Of(Module m) => new(m);

    /// <summary>The last stage (the one running the LM head).</summary>
    public int Last { get; }

    /// <summary>The stage <paramref name="op"/> runs on (that of the top-level op holding it); 0 for an op outside the body.</summary>
    public int StageOf(Operation op) => TopLevel(op) is { } top && _topLevelStage.TryGetValue(top, out var s) ? s : 0;

    /// <summary>The stages that hold a weight: its own, then each other stage reading it, in order.</summary>
    public IEnumerable<int> Holding(Operation weight)
    {
        int own = StageOf(weight);
        return new[] { own }.Concat(_uses.Of(weight.Result).Select(u => StageOf(u.User)).Where(s => s != own).Distinct().OrderBy(s => s));
    }

    private Operation? TopLevel(Operation op)
    {
        var o = op;
        while (o.ParentRegion is { } r && r != _body)
        {
            if (r.Parent is null) return null;
            o = r.Parent;
        }
        return o;
    }
}
