using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// The plan as <c>python -m sglang.launch_server</c> commands (<c>sglang.sh</c>), one per node. SGLang's
/// <c>--tp-size</c> counts every GPU of a pipeline stage; data-parallel attention splits them into <c>--dp-size</c>
/// replicas (<c>--enable-dp-attention</c>), and the MoE layers run over <c>--ep-size</c> of them. Its limits are over
/// the whole server: <c>--max-running-requests</c> and <c>--chunked-prefill-size</c> are the plan's. Redundant expert
/// slots load the expert locations of <c>place-experts</c> (EPLB over the routing statistics) from
/// <c>sglang-expert-map.json</c>, SGLang's <c>physical_to_logical_map</c> (<c>--init-expert-location</c>) with
/// <c>--ep-num-redundant-experts</c>.
/// </summary>
public static class SglangExport
{
    public const string MapFile = "sglang-expert-map.json";

    public static IReadOnlyList<ExportFile> Write(ExportRequest r)
    {
        var spec = EngineSpec.Load("sglang");
        var files = new List<ExportFile> { new("sglang.sh", LaunchCommand.Script(r.Header(spec), Commands(r), ExportRequest.HeadAddress)) };
        if (r.Redundant > 0) files.Add(new ExportFile(MapFile, r.ExpertMapJson!));
        return files;
    }

    /// <summary>The commands, one per node (one when <paramref name="oneNode"/>: Dynamo's operator starts the nodes).</summary>
    public static List<LaunchCommand> Commands(ExportRequest r, bool oneNode = false)
    {
        var spec = EngineSpec.Load("sglang");
        if (r.Redundant > 0 && r.ExpertMapJson is null)
            throw new ExportException($"the plan has {r.Redundant} redundant expert slots, and SGLang needs their locations (--init-expert-location); no expert map was made");
        LaunchCommand Base()
        {
            var c = new LaunchCommand(spec.Command).Add("--model-path", r.Model).Add("--tp-size", r.Tp * r.Dp).Add("--pp-size", r.Pp);
            if (r.Dp > 1) c.Add("--dp-size", r.Dp).Add("--enable-dp-attention");
            if (r.Ep > 1) c.Add("--ep-size", r.Ep);
            if (r.Redundant > 0) c.Add("--ep-num-redundant-experts", r.Redundant).AddBesideScript("--init-expert-location", MapFile);
            c.Add("--chunked-prefill-size", r.Budget).Add("--max-running-requests", r.MaxBatch);
            if (KvDtype(r.Plan.Deployment.Kv) is { } kv) c.Add("--kv-cache-dtype", kv);
            if (EngineFormats.Quantization(r.Plan.Deployment.Weights, "modelopt_fp4") is { } q) c.Add("--quantization", q);
            if (!r.CudaGraphs) c.Add("--disable-cuda-graph");
            return c.Add("--trust-remote-code");
        }
        if (oneNode || r.Nodes == 1) return new List<LaunchCommand> { Base() };
        return Enumerable.Range(0, r.Nodes).Select(k => Base().Add("--nnodes", r.Nodes).Add("--node-rank", k).Add("--dist-init-addr", $"{ExportRequest.HeadAddress}:5000")).ToList();
    }

    private static string? KvDtype(string kv) => kv switch
    {
        "keep" => null,
        "bf16" => "bfloat16",
        "fp8" or "fp8-e4m3" => "fp8_e4m3",
        "fp8-e5m2" => "fp8_e5m2",
        _ => throw new ExportException($"SGLang has no KV cache dtype for '{kv}'"),
    };
}
