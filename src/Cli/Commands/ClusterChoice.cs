using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// The cluster a cost-model command prices: <c>--gpus</c> devices over <c>--nodes</c> nodes. Without --nodes the GPUs
/// fill nodes of the device's size (its <c>gpus_per_node</c> in the hardware catalog): ceil(gpus / gpus_per_node)
/// nodes, or the next count that splits the GPUs evenly (9 GPUs of an 8-GPU node: 3 nodes of 3), and the output says
/// it chose. A --nodes that puts more GPUs on a node than the device's nodes hold is kept, with a warning (GD0812).
/// </summary>
public sealed record ClusterChoice(Cluster Cluster, bool NodesDefault)
{
    /// <summary>The cluster, or null after reporting GPU and node counts that do not split evenly, or nodes that a device
    /// without a network link could not join.</summary>
    public static ClusterChoice? For(Device device, int gpus, int? nodes, DiagnosticBag diagnostics)
    {
        ClusterChoice choice;
        if (nodes is null) choice = new ClusterChoice(DefaultCluster(device, gpus), true);
        else
        {
            if (!CountsSplit(gpus, nodes.Value, diagnostics)) return null;
            int perNode = gpus / nodes.Value;
            if (perNode > device.GpusPerNode)
                diagnostics.Report(DiagnosticCatalog.NodesExceedDevice, SourceSpan.None,
                    nodes.Value, perNode, device.Id, device.GpusPerNode, gpus, DefaultCluster(device, gpus).Nodes);
            choice = new ClusterChoice(new Cluster(device, nodes.Value, perNode), false);
        }
        // A hardware file's device may give no network link; collectives between its nodes were then priced at its NVLink
        // speed (a cluster of 16 whose 2 nodes cannot talk, costed as one that talks 8x faster than a NIC).
        if (choice.Cluster.Nodes > 1 && device.Network.BytesPerSecond <= 0)
        {
            diagnostics.Report(DiagnosticCatalog.NoNetworkBetweenNodes, SourceSpan.None, device.Id, gpus, choice.Cluster.Nodes, choice.Cluster.GpusPerNode);
            return null;
        }
        return choice;
    }

    /// <summary>The fewest nodes of at most GpusPerNode GPUs each that split the GPUs evenly: the most GPUs per node that
    /// divide the count. Searching down from GpusPerNode (at most 2^16 steps) rather than up from the node count keeps a
    /// prime count of two billion GPUs from counting nodes for seconds.</summary>
    private static Cluster DefaultCluster(Device device, int gpus)
    {
        int most = Math.Min(gpus, device.GpusPerNode);
        while (gpus % most != 0) most--;
        return new Cluster(device, gpus / most, most);
    }

    /// <summary>Whether <paramref name="gpus"/> split evenly over <paramref name="nodes"/>; false after reporting (GD0602) when not.</summary>
    public static bool CountsSplit(int gpus, int nodes, DiagnosticBag diagnostics)
    {
        if (gpus >= 1 && nodes >= 1 && gpus % nodes == 0) return true;
        diagnostics.Report(DiagnosticCatalog.DeploymentMismatch, SourceSpan.None, $"--gpus ({gpus}) must be a positive multiple of --nodes ({nodes})");
        return false;
    }

    /// <summary>How the node count was chosen, for the output: "8 nodes of 8, the default for h200-sxm (8 GPUs per node)".</summary>
    public string Describe() =>
        $"{Cluster.Nodes} node(s) of {Cluster.GpusPerNode} GPU(s)" + (NodesDefault ? $", the --nodes default for {Cluster.Device.Id} ({Cluster.Device.GpusPerNode} GPUs per node)" : "");
}
