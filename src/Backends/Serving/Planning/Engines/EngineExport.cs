using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>The plan as an engine's launch files (<see cref="EngineSpec.Names"/>), each checked against the engine's data
/// file before it is returned (<see cref="ExportCheck"/>).</summary>
public static class EngineExport
{
    /// <summary>The files; an <see cref="ExportException"/> when the engine cannot express the plan, and the check's
    /// problems in <paramref name="problems"/> (a defect of the exporter: they are never written).</summary>
    public static IReadOnlyList<ExportFile> Write(string engine, ExportRequest r, out IReadOnlyList<string> problems)
    {
        if (r.Plan.Kind == PlanKind.Disaggregated && engine != "dynamo")
            throw new ExportException($"a disaggregated plan ({r.Plan.Scheduler}) runs separate prefill and decode servers and a router between them; "
                + "export it for Dynamo (--export dynamo, its workers running vLLM, or SGLang with --engine sglang), which starts both and routes; "
                + $"{engine}'s own launch files are written for aggregated plans only");
        if (engine == "trtllm" && r.Plan.Cluster.Device is { Vendor: var vendor, Id: var id } && string.Equals(vendor, "amd", System.StringComparison.OrdinalIgnoreCase))
            throw new ExportException($"TensorRT-LLM runs on NVIDIA GPUs only, and {id} is an AMD GPU; export vllm or sglang (or dynamo) instead");
        var files = engine switch
        {
            "vllm" => VllmExport.Write(r),
            "sglang" => SglangExport.Write(r),
            "trtllm" => TrtllmExport.Write(r),
            "dynamo" => DynamoExport.Write(r),
            _ => throw new ExportException($"no export for '{engine}'; known: {string.Join(", ", EngineSpec.Names)}"),
        };
        problems = ExportCheck.Check(EngineSpec.Load(engine), files, r.Gpus, r.Experts);
        return files;
    }
}
