using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// One MoE layer's placement as serving engines describe it: the logical expert held by each physical
/// expert slot. GPU g owns the contiguous slots [g x slots_per_gpu, (g + 1) x slots_per_gpu), as in
/// vLLM's EplbState and SGLang's ExpertLocationMetadata. A logical expert with no slot lives in host
/// memory (offload plans only).
/// </summary>
public sealed class LayerPlan
{
    public LayerPlan(string name, int[] physicalToLogical)
    {
        Name = name;
        PhysicalToLogical = physicalToLogical;
    }

    public string Name { get; }
    public int[] PhysicalToLogical { get; }

    /// <summary>Physical replicas of each logical expert (0 for host-resident experts).</summary>
    public int[] ReplicaCounts(int experts)
    {
        var counts = new int[experts];
        foreach (var e in PhysicalToLogical) counts[e]++;
        return counts;
    }

    /// <summary>For each logical expert, its physical slots in ascending order.</summary>
    public int[][] LogicalToPhysical(int experts)
    {
        var lists = Enumerable.Range(0, experts).Select(_ => new List<int>()).ToArray();
        for (int p = 0; p < PhysicalToLogical.Length; p++) lists[PhysicalToLogical[p]].Add(p);
        return lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Logical experts without a GPU slot, ascending.</summary>
    public int[] HostExperts(int experts) =>
        ReplicaCounts(experts).Select((c, e) => (c, e)).Where(x => x.c == 0).Select(x => x.e).ToArray();
}

/// <summary>
/// Which GPU holds which expert replica, for every MoE layer: the result of a placement strategy, the
/// content of a graphdsl-placement/1 file and of an engine expert-location map. Every GPU has the same
/// number of slots (what EPLB and the engines require).
/// </summary>
public sealed class PlacementPlan
{
    public PlacementPlan(string model, string strategy, string mode, int gpus, int nodes, int experts, int topK, int slotsPerGpu,
        IReadOnlyList<LayerPlan> layers)
    {
        if (gpus < 1 || nodes < 1 || gpus % nodes != 0) throw new ArgumentException($"gpus ({gpus}) must be a positive multiple of nodes ({nodes})");
        if (slotsPerGpu < 1) throw new ArgumentException("every GPU needs at least one expert slot");
        foreach (var l in layers)
        {
            if (l.PhysicalToLogical.Length != gpus * slotsPerGpu)
                throw new ArgumentException($"layer {l.Name}: {l.PhysicalToLogical.Length} physical experts, expected {gpus} GPUs x {slotsPerGpu} slots");
            if (l.PhysicalToLogical.Any(e => e < 0 || e >= experts))
                throw new ArgumentException($"layer {l.Name}: a physical slot names an expert outside 0..{experts - 1}");
        }
        Model = model; Strategy = strategy; Mode = mode; Gpus = gpus; Nodes = nodes; Experts = experts; TopK = topK;
        SlotsPerGpu = slotsPerGpu; Layers = layers;
    }

    public string Model { get; }
    /// <summary>round-robin, contiguous, eplb, affinity, offload (or engine-map for a map read back).</summary>
    public string Strategy { get; }
    /// <summary>eplb: hierarchical or global; empty otherwise.</summary>
    public string Mode { get; }
    public int Gpus { get; }
    public int Nodes { get; }
    public int Experts { get; }
    public int TopK { get; }
    public int SlotsPerGpu { get; }
    public IReadOnlyList<LayerPlan> Layers { get; }

    public int PhysicalExperts => Gpus * SlotsPerGpu;
    public int GpusPerNode => Gpus / Nodes;
    /// <summary>Physical slots beyond one per logical expert (EPLB's redundant experts); negative when experts are offloaded.</summary>
    public int Redundant => PhysicalExperts - Experts;
    public int GpuOf(int physical) => physical / SlotsPerGpu;
    public int NodeOf(int gpu) => gpu / GpusPerNode;

    /// <summary>True when some layer keeps experts only in host memory.</summary>
    public bool HasHostExperts => Layers.Any(l => l.HostExperts(Experts).Length > 0);

    /// <summary>
    /// For each layer, GPU and logical expert: the share of that expert's tokens the GPU serves. Replicas
    /// split their expert's tokens equally (EPLB's assumption; engines dispatch to replicas evenly).
    /// </summary>
    public double[][] TokenShares(int layer)
    {
        var l = Layers[layer];
        var counts = l.ReplicaCounts(Experts);
        var shares = new double[Gpus][];
        for (int g = 0; g < Gpus; g++) shares[g] = new double[Experts];
        for (int p = 0; p < l.PhysicalToLogical.Length; p++)
        {
            int e = l.PhysicalToLogical[p];
            shares[GpuOf(p)][e] += 1.0 / counts[e];
        }
        return shares;
    }

    /// <summary>The placement in the form the step evaluator reads (<see cref="RoutingModel"/>): per layer and GPU,
    /// one (expert, share) pair per physical slot, in slot order.</summary>
    public ExpertPlacement ToExpertPlacement()
    {
        var all = new List<IReadOnlyList<IReadOnlyList<(int Expert, double Share)>>>();
        foreach (var l in Layers)
        {
            var counts = l.ReplicaCounts(Experts);
            var gpus = new List<IReadOnlyList<(int, double)>>();
            for (int g = 0; g < Gpus; g++)
            {
                var slots = new List<(int, double)>();
                for (int s = 0; s < SlotsPerGpu; s++)
                {
                    int e = l.PhysicalToLogical[g * SlotsPerGpu + s];
                    slots.Add((e, 1.0 / counts[e]));
                }
                gpus.Add(slots);
            }
            all.Add(gpus);
        }
        return new ExpertPlacement(all);
    }

    /// <summary>Same shape, same GPUs, same map in every layer.</summary>
    public bool SamePlacement(PlacementPlan other) =>
        Gpus == other.Gpus && Experts == other.Experts && SlotsPerGpu == other.SlotsPerGpu && Layers.Count == other.Layers.Count &&
        Layers.Zip(other.Layers).All(p => p.First.PhysicalToLogical.AsSpan().SequenceEqual(p.Second.PhysicalToLogical));
}
