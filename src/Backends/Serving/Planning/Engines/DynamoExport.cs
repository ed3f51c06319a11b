using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// The plan as a Dynamo aggregated deployment (<c>dynamo-agg.yaml</c>, a <c>DynamoGraphDeployment</c>): a Frontend and
/// one worker service running the engine backend (<c>python3 -m dynamo.vllm</c> or <c>dynamo.sglang</c>) with the
/// engine's own arguments for the plan, over <c>multinode.nodeCount</c> nodes of <c>resources.limits.gpu</c> GPUs.
/// A disaggregated graph (not written yet: plans are aggregated) has a prefill and a decode worker service, each with
/// its own layout, the engine's disaggregation flags (SGLang <c>--disaggregation-mode prefill|decode</c> with
/// <c>--disaggregation-transfer-backend nixl</c>; vLLM's NIXL KV connector) and the KV transfer between them.
/// </summary>
public static class DynamoExport
{
    public const string FileName = "dynamo-agg.yaml";

    public static IReadOnlyList<ExportFile> Write(ExportRequest r)
    {
        var spec = EngineSpec.Load("dynamo");
        if (!spec.Backends.TryGetValue(r.DynamoBackend, out var module))
            throw new ExportException($"Dynamo runs the backends {string.Join(", ", spec.Backends.Keys)} here, not '{r.DynamoBackend}'");
        var engine = r.DynamoBackend == "sglang" ? SglangExport.Commands(r, oneNode: true)[0] : VllmExport.Commands(r, oneNode: true)[0];
        var args = r.DynamoBackend == "sglang" ? engine.Words().Skip(engine.Program.Count).ToList()
            : new[] { "--model", r.Model }.Concat(engine.Words().Skip(engine.Program.Count + engine.Positional.Count)).ToList();
        string image = $"nvcr.io/nvidia/ai-dynamo/{r.DynamoBackend}-runtime:TAG";

        var root = new SimpleYaml.Map().Set("apiVersion", "nvidia.com/v1alpha1").Set("kind", "DynamoGraphDeployment");
        root.Child("metadata").Set("name", Name(r.Model) + "-agg");
        var s = root.Child("spec").Set("backendFramework", r.DynamoBackend);
        var services = s.Child("services");
        var frontend = services.Child("Frontend").Set("componentType", "frontend").Set("replicas", 1);
        frontend.Child("extraPodSpec").Child("mainContainer").Set("image", image);
        var worker = services.Child("worker").Set("componentType", "worker").Set("replicas", 1);
        if (r.Nodes > 1) worker.Child("multinode").Set("nodeCount", r.Nodes);
        worker.Child("resources").Child("limits").Set("gpu", I(r.Gpus / r.Nodes));
        var main = worker.Child("extraPodSpec").Child("mainContainer").Set("image", image).Set("workingDir", $"/workspace/examples/backends/{r.DynamoBackend}");
        main.Set("command", new[] { "python3", "-m", module }).Set("args", args);

        var text = $"# Dynamo aggregated deployment for the plan {r.Plan.Describe()}\n# written by graphdsl plan against {spec.Version}\n" +
                   $"# docs: {spec.Docs}; replace TAG with the runtime image's tag, and MODEL ('{r.Model}') with the checkpoint where they differ\n" +
                   SimpleYaml.Write(root);
        var files = new List<ExportFile> { new(FileName, text) };
        if (r.DynamoBackend == "sglang" && r.Redundant > 0) files.Add(new ExportFile(SglangExport.MapFile, r.ExpertMapJson!));
        return files;
    }

    private static string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A Kubernetes object name: lower-case letters, digits and dashes.</summary>
    private static string Name(string model)
    {
        var s = new string(model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return s.Length == 0 ? "model" : s.Length > 40 ? s[..40].Trim('-') : s;
    }
}
