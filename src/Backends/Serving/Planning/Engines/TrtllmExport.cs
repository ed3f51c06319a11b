using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// The plan as a <c>trtllm-serve</c> command (<c>trtllm.sh</c>) and its extra LLM-API options
/// (<c>trtllm-extra.yaml</c>). TensorRT-LLM's <c>--tp_size</c> counts every GPU of a pipeline stage; data-parallel
/// attention (<c>enable_attention_dp</c>) splits them into replicas, and its <c>--max_batch_size</c> and
/// <c>--max_num_tokens</c> are per rank then, so the plan's limits are divided by dp. The KV cache's format is
/// <c>kv_cache_config.dtype</c>; weights come quantized in the checkpoint (ModelOpt), so no flag is written for them.
/// Redundant expert slots are the MoE load balancer's (<c>moe_config.load_balancer.num_slots</c> = experts + redundant,
/// with the WIDEEP backend). A plan priced without CUDA graphs sets <c>cuda_graph_config: null</c>. Across nodes the command runs under MPI on every node (<c>trtllm-llmapi-launch</c>).
/// </summary>
public static class TrtllmExport
{
    public const string OptionsFile = "trtllm-extra.yaml";

    public static IReadOnlyList<ExportFile> Write(ExportRequest r)
    {
        var spec = EngineSpec.Load("trtllm");
        var c = new LaunchCommand(spec.Command, r.Model).Add("--backend", "pytorch").Add("--tp_size", r.Tp * r.Dp).Add("--pp_size", r.Pp);
        if (r.Ep > 1) c.Add("--ep_size", r.Ep);
        c.Add("--max_batch_size", r.Dp > 1 ? r.MaxBatchPerReplica : r.MaxBatch).Add("--max_num_tokens", r.Dp > 1 ? r.BudgetPerReplica : r.Budget)
            .Add("--enable_chunked_prefill").Add("--trust_remote_code");
        c.AddBesideScript("--extra_llm_api_options", OptionsFile);
        var header = r.Header(spec);
        if (r.Nodes > 1) header += $"# on {r.Nodes} nodes: run it under MPI on all {r.Gpus} ranks, e.g. srun -N {r.Nodes} --ntasks-per-node {r.Gpus / r.Nodes} trtllm-llmapi-launch <command>\n";
        var text = LaunchCommand.Script(header, new[] { c }, ExportRequest.HeadAddress);

        var yaml = new SimpleYaml.Map().Set("enable_attention_dp", r.Dp > 1);
        yaml.Child("kv_cache_config").Set("dtype", KvDtype(r.Plan.Deployment.Kv));
        if (r.Redundant > 0)
        {
            var moe = yaml.Child("moe_config").Set("backend", "WIDEEP");
            moe.Child("load_balancer").Set("num_slots", r.Experts + r.Redundant);
        }
        // The LLM API captures decode graphs by default (cuda_graph_config defaults to CudaGraphConfig()); null turns them off.
        if (!r.CudaGraphs) yaml.Set("cuda_graph_config", SimpleYaml.Null);
        var options = $"# extra LLM-API options of {c.Program[0]} for the plan {ExportText.Comment(r.Plan.Describe())} ({spec.Version})\n" + SimpleYaml.Write(yaml);
        return new[] { new ExportFile("trtllm.sh", text), new ExportFile(OptionsFile, options) };
    }

    private static string KvDtype(string kv) => kv switch
    {
        "keep" or "bf16" or "f16" => "auto",
        "fp8" or "fp8-e4m3" => "fp8",
        _ => throw new ExportException($"TensorRT-LLM has no KV cache dtype for '{kv}'"),
    };
}
