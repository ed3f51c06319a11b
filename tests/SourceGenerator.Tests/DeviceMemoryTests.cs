using System.IO;
using System.Linq;
using System.Text.Json;
using GraphDsl.SourceGenerator.Hardware;
using GraphDsl.TestSupport;

namespace GraphDsl.SourceGenerator.Tests;

public class DeviceMemoryTests
{
    /// <summary>The generator's copy of the device memory sizes stays equal to the cost model's catalog.</summary>
    [Fact]
    public void Table_matches_the_cost_models_hardware_json()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "src", "Backends", "CostModel", "Data", "hardware.json")));
        var devices = json.RootElement.GetProperty("devices").EnumerateArray()
            .ToDictionary(d => d.GetProperty("id").GetString()!, d => d.GetProperty("memory_bytes").GetInt64());

        Assert.Equal(devices.OrderBy(kv => kv.Key), DeviceMemory.BytesPerGpu.OrderBy(kv => kv.Key));
    }
}
