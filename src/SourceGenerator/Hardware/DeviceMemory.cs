using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.SourceGenerator.Hardware;

/// <summary>
/// Memory per GPU of the devices the cost model knows, for the build-time fit check. Copied from
/// <c>src/Backends/CostModel/Data/hardware.json</c> (<c>id</c>, <c>memory_bytes</c>: the vendor's GB label
/// taken as GiB, see that file's notes and sources): the cost model targets net10.0 only and cannot load
/// inside the compiler. A test keeps this table equal to the file.
/// </summary>
internal static class DeviceMemory
{
    public static IReadOnlyDictionary<string, long> BytesPerGpu { get; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase)
    {
        ["a100-sxm-80gb"] = 85_899_345_920,   // 80 GiB HBM2e
        ["a100-sxm-40gb"] = 42_949_672_960,   // 40 GiB HBM2
        ["h100-sxm"] = 85_899_345_920,        // 80 GiB HBM3
        ["h100-pcie"] = 85_899_345_920,       // 80 GiB HBM2e
        ["h200-sxm"] = 151_397_597_184,       // 141 GiB HBM3e
        ["h800-sxm"] = 85_899_345_920,        // 80 GiB HBM3
        ["b200"] = 193_273_528_320,           // 180 GiB HBM3e
        ["gh200"] = 154_618_822_656,          // 144 GiB HBM3e (GPU side)
        ["mi300x"] = 206_158_430_208,         // 192 GiB HBM3
        ["mi325x"] = 274_877_906_944,         // 256 GiB HBM3e
        ["l40s"] = 51_539_607_552,            // 48 GiB GDDR6
        ["gb200"] = 199_715_979_264,          // 186 GiB HBM3e (one GPU of an NVL72 rack)
        ["mi355x"] = 309_237_645_312,         // 288 GiB HBM3e
    };

    public static long? Find(string id) => BytesPerGpu.TryGetValue(id.Trim(), out var bytes) ? bytes : null;

    public static string KnownIds => string.Join(", ", BytesPerGpu.Keys.OrderBy(k => k, StringComparer.Ordinal));
}
