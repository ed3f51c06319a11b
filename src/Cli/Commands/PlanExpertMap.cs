using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.Placement;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// The expert locations of a plan with redundant expert slots, as SGLang loads them: EPLB (<c>place-experts</c>'s
/// strategy) over routing statistics sampled from the profile's expert-popularity law (the power law the cost model
/// prices the plan with, <see cref="ExpertPopularity.PowerLaw"/>; it had been read as a Zipf exponent over ranks, another
/// law; <see cref="SyntheticRouting"/>, 8,192 tokens per layer), over the plan's ep ranks, written as
/// SGLang's <c>physical_to_logical_map</c> with a row per decoder layer (<see cref="EngineExpertMap"/>). With measured
/// routing statistics, <c>graphdsl place --engine-map</c> writes the same file from them.
/// </summary>
internal static class PlanExpertMap
{
    public const long Tokens = 8192;

    public static string Write(Module module, PlanCandidate plan, ulong seed)
    {
        var layers = MoeLayers.Of(module);
        var popularity = new ExpertPopularity.PowerLaw(plan.Target.Efficiency.RoutingSkew, Tokens, layers[0].TopK);
        var stats = SyntheticRouting.Generate(module.Name, layers.Select(l => l.Name).ToList(), layers[0].Experts, layers[0].TopK, popularity, Tokens, seed);
        int ep = plan.Deployment.Layout.Ep, perNode = plan.Cluster.Device.GpusPerNode;
        int nodes = ep > perNode && ep % perNode == 0 ? ep / perNode : 1;
        var facts = MoeExpertFacts.Of(module);
        var placement = ExpertPlacer.Place("eplb", stats, new PlacementOptions
        {
            Gpus = ep, Nodes = nodes, Redundant = plan.Deployment.Layout.Redundant, ExpertGroups = Math.Max(1, facts.Groups),
        });
        return EngineExpertMap.Write(placement, EngineLayerLayout.Of(module));
    }
}
