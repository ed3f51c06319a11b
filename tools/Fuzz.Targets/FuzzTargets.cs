using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Fuzz;

/// <summary>Every fuzz target, declared once: the driver's command line, the corpus folders and the CI smoke read this list.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } = new[]
    {
        new FuzzTarget("moe", "the .moe frontend: parse, check and lower one source (imports resolve from memory only)", FrontendTarget.Run),
        new FuzzTarget("gir", "the IR text parser (IrParser) and the verifier", IrTextTarget.Run),
        new FuzzTarget("pipeline", "the pass-pipeline parser, pass options included", PipelineTarget.Run),
        new FuzzTarget("hardware", "hardware files (HardwareCatalog.Add)", JsonTargets.Hardware),
        new FuzzTarget("routing", "routing statistics (RoutingStats.Read and Validate)", JsonTargets.Routing),
        new FuzzTarget("placement", "placement plans (PlacementJson.Read)", JsonTargets.Placement),
        new FuzzTarget("engine-map", "engine expert maps (EngineExpertMap.Read) for tiny-moe on 2 GPUs", JsonTargets.EngineMap),
        new FuzzTarget("measurements", "the measurement CSV (Measurement.Parse over Csv.ParseRecords)", MeasurementTarget.Run),
        new FuzzTarget("safetensors", "safetensors files: header validation, then every tensor read as f32", SafetensorsTarget.Run),
    };

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}
