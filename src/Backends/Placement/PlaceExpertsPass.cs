using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// Decides which GPU of the expert-parallel group holds which expert, from routing statistics, and
/// records it in the IR: each moe.experts op gets, for the layers it runs, the logical expert of every
/// physical slot (<c>placement</c>, GPU-major: slot s of GPU g is index g * S + s) and the statistics'
/// load (<c>expert_tokens</c>). The cost model then times each layer on its busiest GPU and counts the
/// replicas' weights. Runs on the parallelized module (it reads ep from it).
/// </summary>
public sealed class PlaceExpertsPass : IPass
{
    public static readonly PassInfo PassInfo = new("place-experts",
        "Place each MoE layer's experts (and replicas) on the expert-parallel GPUs from routing statistics.",
        PlaceExpertsOptions.Declared,
        new[] { "layers_placed", "replicas" });

    private readonly string _stats;
    private readonly string _strategy;
    private readonly int _redundant;
    private readonly int _nodes;

    public PlaceExpertsPass(PlaceExpertsOptions options)
    {
        _stats = options.Stats;
        _strategy = options.Strategy;
        _redundant = options.Redundant;
        _nodes = options.Nodes;
    }

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        if (module.Functions.Count > 0) throw new PassException("place-experts needs a flat module: run 'inline' first");
        if (_stats.Length == 0) throw new PassException("place-experts needs stats=FILE (routing statistics; see graphdsl route-stats)");
        var layers = MoeLayers.Of(module);
        if (layers.Count == 0) throw new PassException($"{module.Name} has no MoE layer to place");
        RoutingStats stats;
        try { stats = RoutingStats.Load(_stats); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new PassException($"stats: {e.Message}");
        }
        var problems = stats.ValidateFor(module.Name, layers);
        if (problems.Count > 0) throw new PassException($"stats {_stats}: " + string.Join("; ", problems));
        int ep = ParallelLayout.Of(module).Ep;
        var options = new PlacementOptions { Gpus = ep, Nodes = _nodes, Redundant = Redundant(module), ExpertGroups = RoutingGroups(module) };
        PlacementPlan plan;
        try { plan = ExpertPlacer.Place(_strategy, stats, options); }
        catch (PlacementException e) { throw new PassException(e.Message); }

        var starts = IrRouting.Ops(module).ToDictionary(o => o.Op, o => o);
        IrRouting.LayerOp? lastPrimary = null;
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (!op.Def.HasRoutedWeights) return null;
            if (starts.TryGetValue(op, out var primary)) lastPrimary = primary;
            // Nano-batch copies follow their layer's primary op in walk order.
            var range = starts.TryGetValue(op, out var own) ? own : lastPrimary ?? throw new PassException("a nano-batch copy of an MoE layer precedes its layer");
            var map = new List<Attr>();
            var loads = new List<Attr>();
            for (int l = range.FirstLayer; l < range.FirstLayer + range.Layers; l++)
            {
                map.AddRange(plan.Layers[l].PhysicalToLogical.Select(e => Attr.Int(e)));
                loads.AddRange(stats.Layers[l].ExpertTokens.Select(t => Attr.Int(t)));
            }
            var copy = cloner.Copy(op, op.Attributes.With("placement", Attr.List(map)).With("expert_tokens", Attr.List(loads)));
            dst.Append(copy);
            return copy.Results;
        };
        var result = IrCloner.CloneModule(module, cloner);
        var counters = new Dictionary<string, long> { ["layers_placed"] = plan.Layers.Count, ["replicas"] = plan.Redundant };
        return new PassResult(result, true, counters);
    }

    /// <summary>The replicas to place: the redundant slots parallelize gave the layout (the deployment's
    /// <c>--redundant-experts</c>), which this pass's own option may restate but not contradict; without them,
    /// this pass's option (its replicas then take memory beyond the layout's E / ep experts per GPU).</summary>
    private int Redundant(Module m)
    {
        var slots = IrRouting.RedundantSlots(m);
        if (slots == 0) return _redundant;
        if (_redundant != 0 && _redundant != slots)
            throw new PassException($"redundant={_redundant} contradicts the layout's {slots} redundant expert slots (parallelize{{redundant={slots}}}); drop one or make them equal");
        return slots;
    }

    private static int RoutingGroups(Module m)
    {
        var param = GraphDsl.Ir.Graph.IrBuilder.Resolver(m);
        foreach (var w in GraphDsl.Ir.Analysis.ModelWalker.Walk(m))
            if (w.Op.Def.Fusion == FusionRole.Router)
                return Math.Max(1, (int)(w.Op.Attributes.GetInt("groups")?.Evaluate(param, _ => null) ?? 1));
        return 1;
    }
}

