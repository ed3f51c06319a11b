using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Transforms;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Densify;

/// <summary>
/// Builds the quality-matched dense counterpart of an MoE model: every MoE layer (router, routed and
/// shared experts) becomes one gated FFN, all of the same hidden size, chosen so the dense model has
/// q times the MoE's active parameters (the "qs" comparison of MoE against dense). Attention,
/// embeddings and the MoE model's own dense layers stay as they are.
/// </summary>
public sealed class DensifyPass : IPass
{
    public static readonly PassInfo PassInfo = new("densify",
        "Replace each MoE layer by a dense gated FFN sized so the model has q x the MoE's active parameters (a quality-matched dense counterpart).",
        DensifyOptions.Declared,
        new[] { "moe_layers_replaced", "dense_hidden" });

    private readonly double _q;
    private readonly long _multiple;

    public DensifyPass(DensifyOptions options) { _q = options.Q; _multiple = options.Multiple; }

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        if (module.Functions.Count > 0) throw new PassException("densify needs a flat module: run 'inline' first");
        if (_q <= 0) throw new PassException($"q must be positive (got {_q})");
        if (_multiple <= 0) throw new PassException("multiple must be positive");
        // After fuse the experts sit inside kernels, which the dense FFN cannot replace; after parallelize the
        // module is one GPU's shard, so the dense FFN would be sized from a shard's parameters, left unsharded
        // and still summed by the experts' all-reduce (tp=2 doubled the FFN's output).
        if (module.WalkAll().Any(o => o.Def.Structure == OpStructure.Kernel))
            throw new PassException("densify must run before fuse (the MoE layers are inside fused kernels)");
        if (module.WalkAll().Any(o => o.Def.Dialect == "comm"))
            throw new PassException("densify must run before parallelize (it sizes and replaces the whole model's MoE layers, not one GPU's shard)");
        var param = IrBuilder.Resolver(module);
        var uses = UseMap.Build(module);
        var walked = ModelWalker.Walk(module).ToList();
        var experts = walked.Where(w => w.Op.Def.HasRoutedWeights).ToList();
        if (experts.Count == 0) return new PassResult(module, false, new Dictionary<string, long> { ["moe_layers_replaced"] = 0 });

        // What each MoE layer replaces: the experts' output, or experts + shared expert when they are summed.
        var replaced = new Dictionary<Operation, Value>();
        foreach (var w in experts)
        {
            var e = w.Op;
            var users = uses.Of(e.Result).ToList();
            var x = e.Operand("x")!;
            bool shared = users.Count == 1 && users[0].User.Def.Fusion == FusionRole.Sum &&
                          users[0].User.Operands.FirstOrDefault(v => v != e.Result) is { } other && IsFfnOf(other, x);
            replaced[e] = shared ? users[0].User.Result : e.Result;
        }
        // Parameters outside the MoE layers (attention, embeddings, dense layers) stay.
        var stats = ModelStats.Compute(module);
        var removed = RemovedOps(module, replaced, uses);
        double removedParams = walked.Where(w => w.Op.Def.Structure == OpStructure.Weight && removed.Contains(w.Op))
            .Sum(w => (Poly.From(w.Op.Result.Type.Shape.NumElements(), param)?.ConstantTerm ?? 0) * w.Multiplicity);
        double kept = stats.TotalParams - removedParams;
        double layers = experts.Sum(w => (double)w.Multiplicity);
        long dim = experts[0].Op.Operand("x")!.Type.Shape.Last.Evaluate(param, _ => null) ?? throw new PassException("static hidden size needed");
        double target = _q * stats.ActiveParams;
        if (!(target <= ExpansionCheck.MaxParameters))
            throw new PassException($"q={_q} asks for q x {stats.ActiveParams:G3} active parameters, more than the limit of 10^15");
        double perLayer = (target - kept) / layers;
        double exact = perLayer / (3.0 * dim);
        if (exact < 1)
            throw new PassException($"q={_q} asks for {target / 1e9:F2} bn parameters, fewer than the {kept / 1e9:F2} bn outside the MoE layers");
        long hidden = (long)Math.Round(exact / _multiple) * _multiple;
        if (hidden <= 0)
            throw new PassException($"multiple={_multiple} rounds the dense hidden size {exact:F0} to 0; give a multiple of at most {(long)(2 * exact)}");

        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (removed.Contains(op) && !replaced.ContainsKey(op)) return op.Results.Select(r => cloner.IsMapped(r) ? cloner.Lookup(r) : r).ToList();
            if (replaced.TryGetValue(op, out var value))
            {
                var dense = DenseFfn(op, cloner.Lookup(op.Operand("x")!), hidden, dst, param);
                cloner.Map(value, dense);
                return op.Results.Select(r => r == value ? dense : r).ToList();
            }
            return null;
        };
        var result = IrCloner.CloneModule(module, cloner);
        return new PassResult(result, true, new Dictionary<string, long> { ["moe_layers_replaced"] = experts.Count, ["dense_hidden"] = hidden });
    }

    /// <summary>A shared expert: a weight matmul whose input is computed from the layer's input x within a few ops.</summary>
    private static bool IsFfnOf(Value v, Value x)
    {
        var op = v.Owner;
        if (op?.Def.Fusion != FusionRole.Gemm || !OpCosts.IsWeight(op.Operand(op.Def.ComputeWeight!)!)) return false;
        var frontier = new List<Value> { op.Operands[0] };
        for (int depth = 0; depth < 4 && frontier.Count > 0; depth++)
        {
            if (frontier.Contains(x)) return true;
            frontier = frontier.Where(f => f.Owner is not null && f.Owner.Def.Structure != OpStructure.Weight).SelectMany(f => f.Owner!.Operands).ToList();
        }
        return frontier.Contains(x);
    }

    /// <summary>The MoE layers' ops and weights that the dense FFN replaces: everything that only feeds them.</summary>
    private static HashSet<Operation> RemovedOps(Module module, Dictionary<Operation, Value> replaced, UseMap uses)
    {
        var removed = new HashSet<Operation>();
        var work = new Stack<Operation>();
        foreach (var kv in replaced)
        {
            removed.Add(kv.Key);
            work.Push(kv.Key);
            if (kv.Value.Owner is { } add && add != kv.Key) { removed.Add(add); work.Push(add); }
        }
        // Walk back through producers used only by removed ops (the router, the shared expert, their weights).
        while (work.Count > 0)
        {
            var op = work.Pop();
            foreach (var v in op.Operands)
            {
                var p = v.Owner;
                if (p is null || removed.Contains(p)) continue;
                if (replaced.Keys.Any(e => e.Operand("x") == v)) continue; // the layer's input stays
                if (!p.Def.IsPure && p.Def.Structure != OpStructure.Weight) continue;
                if (p.Results.All(r => uses.Of(r).All(u => removed.Contains(u.User)))) { removed.Add(p); work.Push(p); }
            }
        }
        return removed;
    }

    private static Value DenseFfn(Operation experts, Value x, long hidden, Region dst, Func<string, long?> param)
    {
        var t = x.Type;
        var dim = t.Shape.Last;
        var wdt = experts.Operand(experts.Def.ComputeWeight!)!.Type.DType;
        Value Weight(string name, params DimExpr[] shape)
        {
            var op = IrBuilder.Create(CoreOps.Weight, Array.Empty<Value?>(), IrBuilder.Attrs(("name", Attr.Str(name))),
                new[] { new TensorType(wdt, new Shape(shape)) }, span: experts.Span);
            dst.Append(op);
            return op.Result;
        }
        Value Add(OpDef def, params Value[] operands)
        {
            var op = IrBuilder.Create(def, operands.Select(v => (Value?)v).ToArray(), span: experts.Span, param: param);
            dst.Append(op);
            return op.Result;
        }
        // Named where the MoE layer's weights were ("moe.w_up" -> "moe.dense.w_up"): a layer body with two MoE layers
        // gave both dense FFNs the names "dense.*", which weights init and run refused as declared twice (GD0899).
        var expertsName = experts.Operand(experts.Def.ComputeWeight!)!.Owner?.Attributes.GetString("name") ?? "";
        var prefix = expertsName.LastIndexOf('.') is var dot and > 0 ? expertsName.Substring(0, dot) + ".dense" : "dense";
        var wg = Weight(prefix + ".w_gate", dim, hidden);
        var wu = Weight(prefix + ".w_up", dim, hidden);
        var wd = Weight(prefix + ".w_down", hidden, dim);
        // The experts' activation by name; swiglu_clamped has no one-input op and densifies as SwiGLU.
        var act = OpRegistry.Activation(experts.Attributes.GetString("act") ?? "") ?? NnOps.Silu;
        var h = Add(NnOps.Mul, Add(act, Add(NnOps.MatMul, x, wg)), Add(NnOps.MatMul, x, wu));
        return Add(NnOps.MatMul, h, wd);
    }
}
