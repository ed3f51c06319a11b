using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>
/// What one draft pass of a model's multi-token-prediction module costs on a deployment: one iteration of the
/// model's last repeated layer and its head, timed from the target's own decode plan, plus the module's eh_proj GEMM
/// (2d -> d), compiled on the same deployment so it is sharded, quantized and fused as the model's GEMMs are.
/// </summary>
public sealed class MtpModule
{
    private readonly ScheduleLoop _layer;
    private readonly int[] _head;
    private readonly StepEvaluator _ehProj;
    private readonly OpTiming[] _timings;

    private MtpModule(ScheduleLoop layer, int[] head, StepEvaluator ehProj, int entries, double weightBytes, double kvBytesPerToken)
    {
        _layer = layer; _head = head; _ehProj = ehProj; _timings = new OpTiming[entries];
        WeightBytes = weightBytes; KvBytesPerToken = kvBytesPerToken;
    }

    /// <summary>Weight bytes per GPU the module adds: one more layer like the last, and eh_proj (embedding and head are shared).</summary>
    public double WeightBytes { get; }

    /// <summary>KV-cache bytes per token per GPU of the module's layer.</summary>
    public double KvBytesPerToken { get; }

    /// <summary>The module of <paramref name="compiled"/>'s model, or null (with the reason) when the model has no repeated layers.</summary>
    public static MtpModule? For(CompiledDeployment compiled, Cluster cluster, EfficiencyProfile eff, out string? problem)
    {
        problem = null;
        var plan = compiled.DecodePlan;
        var items = plan.Schedule.Items;
        int last = items.FindLastIndex(i => i.Loop is not null);
        if (last < 0) { problem = "the model has no repeated layer to build its multi-token-prediction module from"; return null; }
        var layer = items[last].Loop!;
        var head = items.Skip(last + 1).Where(i => i.Loop is null).Select(i => i.Entry).ToArray();
        long d = compiled.Module.WalkAll().Where(o => o.Def == NnOps.Embedding).Select(o => o.Result.Type.Shape.Last.Evaluate(_ => null, _ => null)).FirstOrDefault() ?? 0;
        if (d <= 0) { problem = "the model has no token embedding to feed its multi-token-prediction module"; return null; }
        var diagnostics = new DiagnosticBag();
        var projection = CompiledDeployment.Compile(EhProj(d), compiled.Deployment, GraphDsl.Passes.Core.Pipeline.Empty, diagnostics);
        if (projection is null) { problem = "its eh_proj cannot be laid out like the model: " + string.Join("; ", diagnostics.Items.Select(x => x.Message)); return null; }
        var (weights, kv) = LayerFootprint(compiled.Module, layer.Name);
        var stage = projection.DecodePlan.Stages[projection.DecodePlan.Stages.Length - 1];
        return new MtpModule(layer, head, new StepEvaluator(projection.DecodePlan, cluster, eff), plan.Entries.Length,
            weights + stage.WeightBytes, kv);
    }

    /// <summary>The seconds of one draft pass (one new token per sequence) at <paramref name="batchPerReplica"/>
    /// sequences with <paramref name="context"/> tokens cached, given the target's decode evaluator.</summary>
    public double PassSeconds(StepEvaluator target, double batchPerReplica, double context)
    {
        target.Evaluate(batchPerReplica, 1, context, _timings);
        double seconds = _ehProj.Evaluate(batchPerReplica, 1, context).Seconds;
        foreach (var item in _layer.Items) seconds += Once(item);
        foreach (var e in _head) seconds += _timings[e].Seconds;
        return seconds;
    }

    /// <summary>One execution of a loop item (a nested loop counts its own trips).</summary>
    private double Once(ScheduleItem item) =>
        item.Loop is null ? _timings[item.Entry].Seconds : item.Loop.Count * item.Loop.Items.Sum(Once);

    /// <summary>The eh_proj GEMM of the module alone: [batch, seq, 2d] x [2d, d].</summary>
    private static Module EhProj(long d)
    {
        var m = new Module("MtpEhProj");
        var b = new IrBuilder(m.Body, m);
        var x = b.Append(CoreOps.Input, Array.Empty<Value?>(), IrBuilder.Attrs(("name", Attr.Str("hidden_and_embedding"))),
            new[] { new TensorType(DType.BF16, new Shape(DimExpr.Sym("batch"), DimExpr.Sym("seq"), DimExpr.Of(2 * d))) }).Result;
        var w = b.Append(CoreOps.Weight, Array.Empty<Value?>(), IrBuilder.Attrs(("name", Attr.Str("mtp.eh_proj"))),
            new[] { new TensorType(DType.BF16, new Shape(DimExpr.Of(2 * d), DimExpr.Of(d))) }).Result;
        var y = b.Add(NnOps.MatMul, new Value?[] { x, w });
        b.Append(CoreOps.Output, new Value?[] { y }, IrBuilder.Attrs(("name", Attr.Str("hidden"))), Array.Empty<TensorType>());
        return m;
    }

    /// <summary>Per-GPU weight bytes and KV bytes per token of one iteration of the named repeat in the per-GPU module.</summary>
    private static (double Weights, double KvPerToken) LayerFootprint(Module perGpu, string repeat)
    {
        var param = IrBuilder.Resolver(perGpu);
        double weights = 0, kv = 0;
        var loop = perGpu.Body.Ops.LastOrDefault(o => o.Def == CoreOps.Repeat && o.Attributes.GetString("name") == repeat);
        if (loop is null) return (0, 0);
        foreach (var op in loop.Regions[0].Walk())
        {
            if (op.Def == CoreOps.Weight)
                weights += (Poly.From(op.Result.Type.Shape.NumElements(), param)?.ConstantTerm ?? 0) * op.Result.Type.DType.BytesPerElement;
            else if (op.Def == AttentionOps.KvCache && op.Attributes.GetInt("window") is null)
                kv += AttentionOps.BytesPerToken(op, param).ConstantTerm;
        }
        return (weights, kv);
    }
}
