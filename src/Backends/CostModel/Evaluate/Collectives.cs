using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Plan;

namespace GraphDsl.Backends.CostModel.Evaluate;

/// <summary>
/// Time of a collective over the links it crosses. Ranks are laid out tensor-parallel innermost, then
/// data-parallel, then pipeline (Megatron's order), so a group of g contiguous GPUs stays inside one
/// node when g fits and otherwise spans ceil(g / gpus-per-node) nodes.
/// Ring all-reduce: 2(g-1)/g of the message per GPU; hierarchical across nodes: the intra-node ring plus
/// an inter-node all-reduce of each GPU's 1/g_node share over its NIC. All-gather and reduce-scatter move
/// (g-1)/g. All-to-all: the share of rows bound for other nodes crosses the NIC while the rest crosses
/// NVLink, in parallel. Each collective also pays a fixed latency (profile constant, plus the network's
/// latency when it leaves the node).
/// </summary>
public sealed class Collectives
{
    private readonly Cluster _cluster;
    private readonly EfficiencyProfile _eff;
    private readonly Layout _layout;

    public Collectives(Cluster cluster, EfficiencyProfile eff, Layout layout) { _cluster = cluster; _eff = eff; _layout = layout; }

    private double Intra => Math.Max(1, _cluster.Device.IntraNode.BytesPerSecond * _eff.EtaLink);
    private double Net => Math.Max(1, (_cluster.Device.Network.BytesPerSecond > 0 ? _cluster.Device.Network.BytesPerSecond : _cluster.Device.IntraNode.BytesPerSecond) * _eff.EtaLink);
    private int PerNode => Math.Max(1, _cluster.GpusPerNode);

    public double Time(CollectiveKind kind, double bytes, int group, string axis)
    {
        if (kind == CollectiveKind.Send) return SendTime(bytes);
        if (group <= 1 || bytes <= 0) return 0;
        int perNode = Math.Min(group, PerNode);
        int nodes = (group + PerNode - 1) / PerNode;
        double g = group, gn = perNode;
        double latency = _eff.CollectiveSeconds + (nodes > 1 ? _cluster.Device.Network.LatencySeconds : 0);
        switch (kind)
        {
            case CollectiveKind.AllReduce:
                if (nodes == 1) return latency + 2 * (g - 1) / g * bytes / Intra;
                return latency + 2 * (gn - 1) / gn * bytes / Intra + 2.0 * (nodes - 1) / nodes * (bytes / gn) / Net;
            case CollectiveKind.AllGather:
            case CollectiveKind.ReduceScatter:
                if (nodes == 1) return latency + (g - 1) / g * bytes / Intra;
                return latency + (gn - 1) / g * bytes / Intra + (g - gn) / g * bytes / Net;
            case CollectiveKind.AllToAll:
            {
                double intraPart = (gn - 1) / g * bytes / Intra;
                double interPart = nodes > 1 ? (g - gn) / g * bytes / Net : 0;
                return latency + Math.Max(intraPart, interPart);
            }
            default:
                return 0;
        }
    }

    /// <summary>A pipeline hand-off: inside a node when a stage's GPUs (tp x dp) leave room, else over the network.</summary>
    private double SendTime(double bytes)
    {
        bool crossesNodes = _layout.Tp * _layout.Dp >= PerNode;
        var link = crossesNodes ? Net : Intra;
        return _eff.CollectiveSeconds + (crossesNodes ? _cluster.Device.Network.LatencySeconds : 0) + bytes / link;
    }
}
