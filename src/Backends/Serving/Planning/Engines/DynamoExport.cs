using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// The plan as a Dynamo deployment (a <c>DynamoGraphDeployment</c>): a Frontend and worker services running the engine
/// backend (<c>python3 -m dynamo.vllm</c> or <c>dynamo.sglang</c>) with the engine's own arguments, each over
/// <c>multinode.nodeCount</c> nodes of <c>resources.limits.gpu</c> GPUs. An aggregated plan is one worker
/// (<c>dynamo-agg.yaml</c>, as the vLLM example <c>agg.yaml</c>); a disaggregated plan (<c>dynamo-disagg.yaml</c>) is a
/// prefill and a decode worker service, each with its own layout and its instance count as <c>replicas</c>, marked by
/// <c>subComponentType</c> and the backend's disaggregation flags: vLLM's <c>--is-prefill-worker</c> /
/// <c>--is-decode-worker</c> (services <c>VllmPrefillWorker</c> and <c>VllmDecodeWorker</c>, as the example
/// <c>disagg.yaml</c>), SGLang's <c>--disaggregation-mode prefill|decode</c> with NIXL moving the KV cache (services
/// <c>prefill</c> and <c>decode</c>, as <c>disagg-multinode.yaml</c>). The Frontend routes each request's prefill to a
/// prefill worker and its decode to a decode worker, as the plan's simulation does.
/// </summary>
public static class DynamoExport
{
    public const string FileName = "dynamo-agg.yaml";
    public const string DisaggregatedFileName = "dynamo-disagg.yaml";

    /// <summary>The port SGLang's prefill workers serve the KV transfer's bootstrap on (the example's).</summary>
    public const int BootstrapPort = 30001;

    public static IReadOnlyList<ExportFile> Write(ExportRequest r)
    {
        var spec = EngineSpec.Load("dynamo");
        if (!spec.Backends.TryGetValue(r.DynamoBackend, out var module))
            throw new ExportException($"Dynamo runs the backends {string.Join(", ", spec.Backends.Keys)} here, not '{r.DynamoBackend}'");
        string image = $"nvcr.io/nvidia/ai-dynamo/{r.DynamoBackend}-runtime:TAG";
        var instances = r.Instances();
        bool disaggregated = instances.Count > 0;

        var root = new SimpleYaml.Map().Set("apiVersion", "nvidia.com/v1alpha1").Set("kind", "DynamoGraphDeployment");
        root.Child("metadata").Set("name", Name(r.Model) + (disaggregated ? "-disagg" : "-agg"));
        var s = root.Child("spec").Set("backendFramework", r.DynamoBackend);
        var services = s.Child("services");
        var frontend = services.Child("Frontend").Set("componentType", "frontend").Set("replicas", 1);
        frontend.Child("extraPodSpec").Child("mainContainer").Set("image", image);
        if (!disaggregated) Worker(services, "worker", r, 1, null, module, image);
        foreach (var (role, count, instance) in instances)
            Worker(services, ServiceName(r.DynamoBackend, role), instance, count, role, module, image);

        var text = $"# Dynamo {(disaggregated ? "disaggregated" : "aggregated")} deployment for the plan {ExportText.Comment(r.Plan.Describe())}\n# written by graphdsl plan against {spec.Version}\n" +
                   $"# docs: {spec.Docs}; replace TAG with the runtime image's tag, and MODEL ('{ExportText.Comment(r.Model)}') with the checkpoint where they differ\n" +
                   SimpleYaml.Write(root);
        var files = new List<ExportFile> { new(disaggregated ? DisaggregatedFileName : FileName, text) };
        if (r.DynamoBackend == "sglang" && r.Redundant > 0) files.Add(new ExportFile(SglangExport.MapFile, r.ExpertMapJson!));
        return files;
    }

    /// <summary>A worker service of <paramref name="replicas"/> engines of the request's layout (a disaggregated role's
    /// engines marked by <paramref name="role"/>).</summary>
    private static void Worker(SimpleYaml.Map services, string name, ExportRequest r, int replicas, string? role, string module, string image)
    {
        var worker = services.Child(name).Set("componentType", "worker");
        if (role is not null) worker.Set("subComponentType", role);
        worker.Set("replicas", replicas);
        if (r.Nodes > 1) worker.Child("multinode").Set("nodeCount", r.Nodes);
        worker.Child("resources").Child("limits").Set("gpu", I(r.Gpus / r.Nodes));
        var main = worker.Child("extraPodSpec").Child("mainContainer").Set("image", image).Set("workingDir", $"/workspace/examples/backends/{r.DynamoBackend}");
        main.Set("command", new[] { "python3", "-m", module }).Set("args", EngineArgs(r).Concat(role is null ? Enumerable.Empty<string>() : RoleArgs(r.DynamoBackend, role)).ToList());
    }

    /// <summary>The engine's arguments for the request's plan, as Dynamo's worker takes them (vLLM's model as --model).</summary>
    private static IEnumerable<string> EngineArgs(ExportRequest r)
    {
        var engine = r.DynamoBackend == "sglang" ? SglangExport.Commands(r, oneNode: true)[0] : VllmExport.Commands(r, oneNode: true)[0];
        return r.DynamoBackend == "sglang" ? engine.Words().Skip(engine.Program.Count)
            : new[] { "--model", r.Model }.Concat(engine.Words().Skip(engine.Program.Count + engine.Positional.Count));
    }

    private static IEnumerable<string> RoleArgs(string backend, string role) => backend == "sglang"
        ? new[] { "--disaggregation-mode", role, "--disaggregation-transfer-backend", "nixl", "--disaggregation-bootstrap-port", I(BootstrapPort) }
        : new[] { $"--is-{role}-worker" };

    private static string ServiceName(string backend, string role) =>
        backend == "sglang" ? role : role == "prefill" ? "VllmPrefillWorker" : "VllmDecodeWorker";

    private static string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A Kubernetes object name: lower-case letters, digits and dashes.</summary>
    private static string Name(string model)
    {
        var s = new string(model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return s.Length == 0 ? "model" : s.Length > 40 ? s[..40].Trim('-') : s;
    }
}
