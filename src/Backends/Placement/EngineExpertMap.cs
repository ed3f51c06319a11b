using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using GraphDsl.Backends.CostModel;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// The expert-location layout serving engines load: <c>{"physical_to_logical_map": [[...], ...]}</c>, one row per
/// layer of length num_physical_experts = gpus x slots_per_gpu, physical expert p on EP rank p / slots_per_gpu.
/// This is exactly the JSON SGLang reads with <c>--init-expert-location map.json</c>
/// (ExpertLocationMetadata.init_by_mapping; the file must hold only that key, and, as SGLang sizes it by
/// num_hidden_layers, a row per decoder layer: dense layers get the trivial row p mod E), launched with
/// <c>--ep-num-redundant-experts</c> = physical - logical. vLLM's EplbState keeps the same tensor with one row
/// per MoE layer (<see cref="EngineLayerLayout.MoeOnly"/>). Offload plans have no such form: the engines need every expert on a GPU.
/// </summary>
public static class EngineExpertMap
{
    public const string Key = "physical_to_logical_map";

    public static string Write(PlacementPlan plan, EngineLayerLayout? layout = null)
    {
        layout ??= EngineLayerLayout.MoeOnly(plan.Layers.Count);
        if (layout.MoeLayerRows.Length != plan.Layers.Count)
            throw new PlacementException(PlacementProblem.PlanFile, $"the engine layout has {layout.MoeLayerRows.Length} MoE rows but the plan has {plan.Layers.Count} layers");
        if (plan.Layers.FirstOrDefault(l => l.HostExperts(plan.Experts).Length > 0) is { } offloaded)
            throw new PlacementException(PlacementProblem.PlanFile,
                $"layer {offloaded.Name} keeps experts in host memory; SGLang's and vLLM's expert-location maps need every expert on a GPU, so an offload plan has no engine map");
        var rows = new int[layout.DecoderLayers][];
        var trivial = Enumerable.Range(0, plan.PhysicalExperts).Select(p => p % plan.Experts).ToArray();
        for (int r = 0; r < rows.Length; r++) rows[r] = trivial;
        for (int i = 0; i < plan.Layers.Count; i++) rows[layout.MoeLayerRows[i]] = plan.Layers[i].PhysicalToLogical;
        var sb = new StringBuilder("{\"" + Key + "\": [\n");
        for (int r = 0; r < rows.Length; r++)
            sb.Append("  [").Append(string.Join(", ", rows[r])).Append(r + 1 < rows.Length ? "],\n" : "]\n");
        return sb.Append("]}\n").ToString();
    }

    /// <summary>
    /// Reads a map back into a plan over <paramref name="gpus"/> GPUs (the map does not say how many ranks it was
    /// made for) and <paramref name="experts"/> logical experts, taking the MoE rows of <paramref name="layout"/>.
    /// </summary>
    public static PlacementPlan Read(string text, int gpus, int nodes, int experts, int topK, IReadOnlyList<string> layerNames,
        EngineLayerLayout? layout = null, string source = "engine map", string model = "")
    {
        layout ??= EngineLayerLayout.MoeOnly(layerNames.Count);
        using (var doc = JsonInput.Parse(text, source, Bad))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(Key, out var rows) || rows.ValueKind != JsonValueKind.Array)
                throw Bad($"{source}: expected an object with a \"{Key}\" array");
            var parsed = new List<int[]>();
            int r = 0;
            foreach (var row in rows.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array) throw Bad($"{source}: row {r} is not an array");
                parsed.Add(row.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var e) && e >= 0 && e < experts ? e
                    : throw Bad($"{source}: row {r}: '{x}' is not a logical expert in 0..{experts - 1}")).ToArray());
                r++;
            }
            if (parsed.Count != layout.DecoderLayers)
                throw Bad($"{source}: {parsed.Count} rows, but the model has {layout.DecoderLayers} layer(s) in this layout");
            int physical = parsed[0].Length;
            if (parsed.Any(x => x.Length != physical)) throw Bad($"{source}: rows differ in length");
            if (physical % gpus != 0) throw Bad($"{source}: {physical} physical experts do not divide over {gpus} GPUs");
            var layers = new List<LayerPlan>();
            for (int i = 0; i < layout.MoeLayerRows.Length; i++)
            {
                var map = parsed[layout.MoeLayerRows[i]];
                var missing = Enumerable.Range(0, experts).Except(map).ToArray();
                if (missing.Length > 0) throw Bad($"{source}: row {layout.MoeLayerRows[i]}: logical expert {missing[0]} has no physical slot");
                layers.Add(new LayerPlan(i < layerNames.Count ? layerNames[i] : $"layer {i}", map));
            }
            return new PlacementPlan(model, "engine-map", "", gpus, nodes, experts, topK, physical / gpus, layers);
        }
    }

    private static PlacementException Bad(string message) => new(PlacementProblem.PlanFile, message);
}
