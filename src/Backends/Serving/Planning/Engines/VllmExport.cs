using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// The plan as <c>vllm serve</c> commands (<c>vllm.sh</c>). vLLM sizes its limits per data-parallel rank:
/// <c>--max-num-seqs</c> and <c>--max-num-batched-tokens</c> are the plan's over dp. Its expert parallelism spans every
/// tp x dp GPU of a stage (<c>--enable-expert-parallel</c>), so ep must be 1 or tp x dp; redundant slots are EPLB's
/// (<c>--enable-eplb --eplb-config '{"num_redundant_experts": N}'</c>), placed by vLLM itself. Across nodes, data
/// parallelism runs one command per node (<c>--data-parallel-size-local</c>, the others <c>--headless</c> from their
/// start rank); pipeline stages across nodes run on a Ray cluster (<c>--distributed-executor-backend ray</c>).
/// </summary>
public static class VllmExport
{
    public static IReadOnlyList<ExportFile> Write(ExportRequest r)
    {
        var spec = EngineSpec.Load("vllm");
        var header = r.Header(spec);
        var commands = Commands(r);
        if (commands.Count == 1 && r.Nodes > 1)
            header += $"# start a Ray cluster over the {r.Nodes} nodes first (ray start --head, then ray start --address on the others); run this on the head\n";
        return new[] { new ExportFile("vllm.sh", LaunchCommand.Script(header, commands, ExportRequest.HeadAddress)) };
    }

    /// <summary>The commands, one per node when data parallelism spans nodes; one otherwise.</summary>
    public static List<LaunchCommand> Commands(ExportRequest r, bool oneNode = false)
    {
        var spec = EngineSpec.Load("vllm");
        LaunchCommand Base()
        {
            var c = new LaunchCommand(spec.Command, r.Model)
                .Add("--tensor-parallel-size", r.Tp).Add("--data-parallel-size", r.Dp).Add("--pipeline-parallel-size", r.Pp);
            if (r.Ep > 1)
            {
                if (r.Ep != r.Tp * r.Dp)
                    throw new ExportException($"vLLM's expert parallelism spans all tp x dp = {r.Tp * r.Dp} GPUs of a stage; the plan's ep={r.Ep} cannot be set");
                c.Add("--enable-expert-parallel");
            }
            if (r.Redundant > 0) c.Add("--enable-eplb").Add("--eplb-config", $"{{\"num_redundant_experts\": {r.Redundant}}}");
            c.Add("--max-num-seqs", r.MaxBatchPerReplica).Add("--max-num-batched-tokens", r.BudgetPerReplica).Add("--enable-chunked-prefill");
            if (KvDtype(r.Plan.Deployment.Kv) is { } kv) c.Add("--kv-cache-dtype", kv);
            if (EngineFormats.Quantization(r.Plan.Deployment.Weights, "modelopt_fp4") is { } q) c.Add("--quantization", q);
            if (!r.CudaGraphs) c.Add("--enforce-eager");
            return c;
        }
        if (oneNode || r.Nodes == 1) return new List<LaunchCommand> { Base() };
        if (r.Pp > 1 || r.Dp % r.Nodes != 0) return new List<LaunchCommand> { Base().Add("--distributed-executor-backend", "ray") };
        int local = r.Dp / r.Nodes;
        return Enumerable.Range(0, r.Nodes).Select(k =>
        {
            var c = Base().Add("--data-parallel-size-local", local).Add("--data-parallel-address", ExportRequest.HeadAddress).Add("--data-parallel-rpc-port", 13345);
            if (k > 0) c.Add("--headless").Add("--data-parallel-start-rank", k * local);
            return c;
        }).ToList();
    }

    private static string? KvDtype(string kv) => kv switch
    {
        "keep" => null,
        "bf16" => "bfloat16",
        "f16" => "float16",
        "fp8" or "fp8-e4m3" => "fp8",
        "fp8-e5m2" => "fp8_e5m2",
        _ => throw new ExportException($"vLLM has no KV cache dtype for '{kv}'"),
    };
}
