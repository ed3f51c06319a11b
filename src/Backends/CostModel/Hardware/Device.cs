using System.Collections.Generic;

namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>A link: bandwidth in bytes/s one direction, and a latency in seconds (0 when unpublished).</summary>
public sealed record Link(string Name, double BytesPerSecond, double LatencySeconds, bool AllToAll = true, double PeerBytesPerSecond = 0);

/// <summary>
/// One accelerator as the cost model sees it: HBM capacity and bandwidth, dense peak FLOP/s per
/// element type (null where the hardware has no native math for it), and its links: inside a node,
/// to host memory, and to the network. Values come from Data/hardware.json, each with its sources.
/// </summary>
public sealed record Device(
    string Id,
    string Name,
    string Vendor,
    double MemoryBytes,
    double HbmBytesPerSecond,
    IReadOnlyDictionary<string, double> PeakFlops,
    int SmCount,
    Link IntraNode,
    Link HostLink,
    Link Network,
    int GpusPerNode,
    IReadOnlyList<string> Sources)
{
    /// <summary>Dense peak FLOP/s for a math type key (bf16, f16, fp8, fp4, int8, int4, tf32, f32), or null.</summary>
    public double? Peak(string key) => PeakFlops.TryGetValue(key, out var v) && v > 0 ? v : null;
}

/// <summary>GPUs in nodes of one device type: the deployment's hardware.</summary>
public sealed record Cluster(Device Device, int Nodes, int GpusPerNode)
{
    public int Gpus => Nodes * GpusPerNode;
}
