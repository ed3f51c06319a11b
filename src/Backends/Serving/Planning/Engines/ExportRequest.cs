using System;
using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>A file an export writes: its name inside the export folder and its text.</summary>
public sealed record ExportFile(string Name, string Text);

/// <summary>Why a plan cannot be written for an engine (a layout or format the engine cannot express).</summary>
public sealed class ExportException(string message) : Exception(message);

/// <summary>
/// What an export needs besides the plan: the model as the engine should load it (a checkpoint path or Hugging Face id;
/// the model's name by default), its routed experts (0 for a dense model), the expert-location map when the plan has
/// redundant expert slots (SGLang's <c>--init-expert-location</c>, from <c>place-experts</c>), and the engine backend
/// Dynamo's worker runs.
/// </summary>
public sealed record ExportRequest(PlanCandidate Plan, string Model, int Experts, string? ExpertMapJson = null, string DynamoBackend = "vllm")
{
    /// <summary>The first node's address in multi-node scripts, for the user to fill in.</summary>
    public const string HeadAddress = "HEAD_NODE_IP";

    public int Tp => Plan.Deployment.Layout.Tp;
    public int Ep => Plan.Deployment.Layout.Ep;
    public int Dp => Plan.Deployment.Layout.Dp;
    public int Pp => Plan.Deployment.Layout.Pp;
    public int Redundant => Plan.Deployment.Layout.Redundant;
    public int Gpus => Plan.Gpus;
    /// <summary>The hosts the engine's processes start on: the cluster's nodes, or its hosts where a node (an NVLink domain)
    /// spans several (a GB200 NVL72 rack: 18 hosts of 4 GPUs).</summary>
    public int Nodes => Plan.Cluster.Hosts;
    /// <summary>Whether the plan was priced with decode under CUDA/HIP graphs (the engines' default); off, each export
    /// turns them off (vLLM --enforce-eager, SGLang --disable-cuda-graph, TensorRT-LLM cuda_graph_config: null).</summary>
    public bool CudaGraphs => Plan.Target.Efficiency.CudaGraphs;
    /// <summary>Running sequences and chunked-prefill tokens over the whole engine (the simulator's limits).</summary>
    public long MaxBatch => Plan.Scheduler.MaxBatch ?? 256;
    public long Budget => Plan.Scheduler.Budget ?? 2048;
    /// <summary>Per data-parallel replica, as vLLM and TensorRT-LLM set them.</summary>
    public long MaxBatchPerReplica => Math.Max(1, MaxBatch / Dp);
    public long BudgetPerReplica => Math.Max(1, Budget / Dp);

    /// <summary>A disaggregated plan's instances, each kind as a plan of its own (its deployment on its own GPUs) with its
    /// count and role: the prefill instances run whole prompts up to the plan's max_tokens per step (the profile's
    /// max_batched_tokens by default), the decode instances up to its max_batch sequences. Empty for an aggregated plan.</summary>
    public IReadOnlyList<(string Role, int Count, ExportRequest Instance)> Instances()
    {
        if (Plan.Kind != PlanKind.Disaggregated || Plan.DecodeDeployment is not { } decode) return Array.Empty<(string, int, ExportRequest)>();
        var s = Plan.Scheduler;
        var eff = Plan.Target.Efficiency;
        long prefillTokens = s.MaxTokens ?? Math.Max(1, (long)eff.MaxBatchedTokens);
        long decodeBatch = s.MaxBatch ?? Scheduling.SchedulerFactory.DefaultMaxBatch;
        ExportRequest Of(Deployment dep, Specs.InstanceLayout layout, string role, long maxBatch, long budget)
        {
            var cluster = Disaggregation.DisaggregatedSimulation.InstanceCluster(Plan.Cluster, layout with { Count = 1 }, role, out var why)
                          ?? throw new ExportException(why!);
            var plan = new PlanCandidate(PlanKind.Aggregated, Plan.Target with { Cluster = cluster }, dep,
                new Specs.SchedulerSpec(Specs.SchedulerKind.Chunked, maxBatch, null, budget));
            return this with { Plan = plan };
        }
        return new[]
        {
            ("prefill", s.Prefill!.Count, Of(Plan.Deployment, s.Prefill, "prefill", Math.Min(prefillTokens, Scheduling.SchedulerFactory.DefaultMaxBatch * (long)Plan.Deployment.Layout.Dp), prefillTokens)),
            ("decode", s.Decode!.Count, Of(decode, s.Decode, "decode", decodeBatch, Math.Max(decodeBatch, Scheduling.SchedulerFactory.DefaultChunkBudget))),
        };
    }

    /// <summary>The script's header: what was planned, by whom, against which engine version. The plan (its device id may
    /// come from a hardware file) and the model are the user's text, kept to one line (<see cref="ExportText.Comment"/>).</summary>
    public string Header(EngineSpec spec) =>
        $"# {spec.Engine} launch for the plan {ExportText.Comment(Plan.Describe())}\n" +
        $"# written by graphdsl plan against {spec.Version}\n# docs: {spec.Docs}\n" +
        $"# MODEL is '{ExportText.Comment(Model)}': replace it with the checkpoint's path or Hugging Face id where they differ.\n";
}
