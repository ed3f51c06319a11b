using GraphDsl.Backends.CostModel.Hardware;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// The host side of an offloading deployment: the GPU's link to host memory, and the host CPU that can
/// compute a cold expert itself.
/// </summary>
/// <param name="LinkBytesPerSecond">GPU-host link, one direction (hardware.json host_link; 0: no link).</param>
/// <param name="CpuFlops">Host CPU peak for expert GEMMs (0: the CPU does not compute experts).</param>
/// <param name="DramBytesPerSecond">Host memory bandwidth: the CPU streams an expert's weights once per step.</param>
public sealed record HostTier(double LinkBytesPerSecond, double CpuFlops, double DramBytesPerSecond, string LinkName = "host link")
{
    /// <summary>
    /// 229.4 TFLOP/s: the BF16 AMX peak of the two Xeon Platinum 8480C of a DGX H100 (NVIDIA DGX H100 datasheet:
    /// 2 x 56 cores, 2.0 GHz base) at 1,024 BF16 FLOP per cycle per core (Intel AMX: "2048 INT8 or 1024 BF16
    /// operations per cycle", Intel AMX overview; en.wikipedia.org/wiki/Advanced_Matrix_Extensions).
    /// 112 x 2.0e9 x 1024. A peak: KTransformers (SOSP'25) reports generic AMX kernels well below it.
    /// </summary>
    public const double DefaultCpuFlops = 112 * 2.0e9 * 1024;

    /// <summary>
    /// 614.4 GB/s: 2 sockets x 8 channels x DDR5-4800 (38.4 GB/s per channel), the 8480C's memory system
    /// (Intel ARK). Not in research.md's formula; without it the CPU would compute an expert faster than it
    /// can read the weights.
    /// </summary>
    public const double DefaultDramBytesPerSecond = 2 * 8 * 38.4e9;

    public static HostTier For(Device device, double? cpuFlops = null) =>
        new(device.HostLink.BytesPerSecond, cpuFlops ?? DefaultCpuFlops, DefaultDramBytesPerSecond, device.HostLink.Name);
}
