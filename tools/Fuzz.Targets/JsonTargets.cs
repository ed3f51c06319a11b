using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.Placement;

namespace GraphDsl.Fuzz;

/// <summary>The JSON readers; each rejects bad input with the exception type it documents, which the CLI turns into a diagnostic.</summary>
internal static class JsonTargets
{
    public static void Hardware(byte[] input)
    {
        try { new HardwareCatalog().Add(new MemoryStream(input, writable: false), "fuzz.json"); }
        catch (HardwareFileException) { }
    }

    /// <summary>Read, then validated against the dimensions the file itself claims (the place command validates against the model's).</summary>
    public static void Routing(byte[] input)
    {
        try
        {
            var stats = RoutingStats.Read(new MemoryStream(input, writable: false), "fuzz.json");
            _ = stats.Validate(stats.Layers.Count, stats.Experts, stats.TopK);
        }
        catch (InvalidDataException) { }
    }

    public static void Placement(byte[] input)
    {
        try { PlacementJson.Read(FuzzTarget.Text(input), "fuzz.json"); }
        catch (PlacementException) { }
    }

    /// <summary>The dimensions of samples/tiny-moe.moe placed on 2 GPUs: 8 experts, top-2, 4 decoder layers of which 3 are MoE.</summary>
    private static readonly EngineLayerLayout TinyMoeLayout = new(4, new[] { 1, 2, 3 });
    private static readonly string[] TinyMoeLayers = Enumerable.Range(0, 3).Select(i => $"moe_layers[{i}].moe").ToArray();

    public static void EngineMap(byte[] input)
    {
        try { EngineExpertMap.Read(FuzzTarget.Text(input), gpus: 2, nodes: 1, experts: 8, topK: 2, TinyMoeLayers, TinyMoeLayout, "fuzz.json"); }
        catch (PlacementException) { }
    }
}
