using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using GraphDsl.Backends.CostModel;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// The plan file, schema graphdsl-placement/1: the expert-parallel group, the summary (max_over_mean = the
/// worst layer's busiest GPU load over its mean), and per layer the logical-to-physical map (for each logical
/// expert, its physical slots; GPU = slot / slots_per_gpu; an empty list means host memory), the load per GPU
/// in the statistics' tokens, and the imbalance. One layer per line. <see cref="Read"/> parses the placement
/// back (loads are derived, so they are not read).
/// </summary>
public static class PlacementJson
{
    public const string Schema = "graphdsl-placement/1";

    public static string Write(PlacementReport report)
    {
        var plan = report.Plan;
        var lines = new List<string>
        {
            Field("schema", w => w.WriteStringValue(Schema)),
            Field("model", w => w.WriteStringValue(plan.Model)),
            Field("strategy", w => w.WriteStringValue(plan.Strategy)),
        };
        if (plan.Mode.Length > 0) lines.Add(Field("mode", w => w.WriteStringValue(plan.Mode)));
        lines.Add(Field("gpus", w => w.WriteNumberValue(plan.Gpus)));
        lines.Add(Field("nodes", w => w.WriteNumberValue(plan.Nodes)));
        lines.Add(Field("experts", w => w.WriteNumberValue(plan.Experts)));
        lines.Add(Field("top_k", w => w.WriteNumberValue(plan.TopK)));
        lines.Add(Field("physical_experts", w => w.WriteNumberValue(plan.PhysicalExperts)));
        lines.Add(Field("slots_per_gpu", w => w.WriteNumberValue(plan.SlotsPerGpu)));
        lines.Add(Field("redundant", w => w.WriteNumberValue(Math.Max(0, plan.Redundant))));
        lines.Add(Field("max_over_mean", w => w.WriteNumberValue(Math.Round(report.Loads.MaxOverMean, 4))));
        lines.Add(Field("mean_imbalance", w => w.WriteNumberValue(Math.Round(report.Loads.MeanImbalance, 4))));
        lines.Add(Field("worst_layer", w => w.WriteStringValue(report.Loads.WorstLayer)));
        if (report.Memory is { } m)
            lines.Add(Field("memory", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("expert_bytes", Math.Round(m.ExpertBytes));
                w.WriteNumber("expert_bytes_per_gpu", Math.Round(ExpertMemoryCheck.BytesPerGpu(plan, m)));
                w.WriteNumber("budget_bytes_per_gpu", Math.Round(m.GpuBudgetBytes));
                w.WriteEndObject();
            }));
        if (report.Transitions is { } t)
            lines.Add(Field("transitions", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("cross_gpu", Math.Round(t.CrossGpu, 4));
                w.WriteNumber("cross_node", Math.Round(t.CrossNode, 4));
                if (report.BaselineTransitions is { } b)
                {
                    w.WriteString("baseline", PlacementReport.Baseline);
                    w.WriteNumber("baseline_cross_gpu", Math.Round(b.CrossGpu, 4));
                    w.WriteNumber("baseline_cross_node", Math.Round(b.CrossNode, 4));
                }
                w.WriteEndObject();
            }));
        if (report.Traffic is { } traffic)
            lines.Add(Field("a2a_bytes", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("intra_node", Math.Round(traffic.Sum(t => t.IntraNodeBytes)));
                w.WriteNumber("inter_node", Math.Round(traffic.Sum(t => t.InterNodeBytes)));
                w.WriteNumber("busiest_gpu", Math.Round(traffic.Sum(t => t.BusiestGpuBytes)));
                w.WriteEndObject();
            }));
        if (report.Offload is { } o)
            lines.Add(Field("offload", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("tokens_per_step", o.Tokens);
                w.WriteNumber("expected_misses_per_step", Math.Round(o.ExpectedMisses, 3));
                w.WriteNumber("fetch_bytes_per_step", Math.Round(o.FetchBytes));
                w.WriteNumber("host_link_bytes_per_step", Math.Round(o.HostLinkBytes));
                w.WriteNumber("miss_ms_per_step", Math.Round(o.Seconds * 1e3, 4));
                w.WriteString("host_link", o.Host.LinkName);
                w.WriteNumber("host_link_bytes_per_s", o.Host.LinkBytesPerSecond);
                w.WriteNumber("cpu_flops", o.Host.CpuFlops);
                w.WriteNumber("host_dram_bytes_per_s", o.Host.DramBytesPerSecond);
                w.WriteEndObject();
            }));
        var sb = new StringBuilder("{\n");
        foreach (var line in lines) sb.Append("  ").Append(line).Append(",\n");
        sb.Append("  \"layers\": [\n");
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            var layer = plan.Layers[i];
            var load = report.Loads.Layers[i];
            var miss = report.Offload?.Layers[i];
            sb.Append("    ").Append(Compact(w =>
            {
                w.WriteStartObject();
                w.WriteString("name", layer.Name);
                w.WriteStartArray("logical_to_physical");
                foreach (var slots in layer.LogicalToPhysical(plan.Experts))
                {
                    w.WriteStartArray();
                    foreach (var p in slots) w.WriteNumberValue(p);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteStartArray("gpu_load");
                foreach (var x in load.GpuLoad) w.WriteNumberValue(Math.Round(x, 3));
                w.WriteEndArray();
                w.WriteNumber("imbalance", Math.Round(load.Imbalance, 4));
                if (report.Traffic?[i] is { } t)
                {
                    w.WriteNumber("a2a_intra_node_bytes", Math.Round(t.IntraNodeBytes));
                    w.WriteNumber("a2a_inter_node_bytes", Math.Round(t.InterNodeBytes));
                    w.WriteNumber("a2a_busiest_gpu_bytes", Math.Round(t.BusiestGpuBytes));
                }
                if (miss is not null)
                {
                    w.WriteNumber("expected_misses", Math.Round(miss.ExpectedMisses, 3));
                    w.WriteNumber("host_link_bytes", Math.Round(miss.HostLinkBytes));
                }
                w.WriteEndObject();
            }));
            sb.Append(i + 1 < plan.Layers.Count ? ",\n" : "\n");
        }
        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    /// <summary>Parses a plan file; <see cref="PlacementException"/> (PlanFile) says what is wrong and where.</summary>
    public static PlacementPlan Read(string text, string source = "plan")
    {
        using (var doc = JsonInput.Parse(text, source, Bad))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad($"{source}: expected a JSON object");
            if (!root.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.String || schema.GetString() != Schema)
                throw Bad($"{source}: expected \"schema\": \"{Schema}\"");
            int gpus = Int(root, "gpus", source), nodes = Int(root, "nodes", source), experts = Int(root, "experts", source);
            int topK = Int(root, "top_k", source), slots = Int(root, "slots_per_gpu", source);
            if (gpus < 1 || nodes < 1 || gpus % nodes != 0 || experts < 1 || slots < 1)
                throw Bad($"{source}: gpus, nodes, experts and slots_per_gpu must be positive, with gpus a multiple of nodes");
            if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
                throw Bad($"{source}: expected a \"layers\" array");
            var list = new List<LayerPlan>();
            int index = 0;
            foreach (var l in layers.EnumerateArray())
            {
                var where = $"{source}: layers[{index}]";
                if (l.ValueKind != JsonValueKind.Object || !l.TryGetProperty("logical_to_physical", out var l2p) || l2p.ValueKind != JsonValueKind.Array)
                    throw Bad($"{where}: expected an object with a \"logical_to_physical\" array");
                if (l2p.GetArrayLength() != experts) throw Bad($"{where}: {l2p.GetArrayLength()} logical experts, expected {experts}");
                // Every physical slot holds one replica, so the slots cannot outnumber the replicas listed: checked before
                // the map is allocated, which bounds it by the file's size whatever gpus x slots_per_gpu claims.
                long physical = (long)gpus * slots;
                int listed = l2p.EnumerateArray().Sum(r => r.ValueKind == JsonValueKind.Array ? r.GetArrayLength() : 0);
                if (physical > listed)
                    throw Bad($"{where}: gpus x slots_per_gpu = {physical} physical slots, but the layer places {listed} replica(s); every slot must hold an expert");
                var map = Enumerable.Repeat(-1, (int)physical).ToArray();
                int e = 0;
                foreach (var replicas in l2p.EnumerateArray())
                {
                    if (replicas.ValueKind != JsonValueKind.Array) throw Bad($"{where}: expert {e}: expected an array of physical slots");
                    foreach (var p in replicas.EnumerateArray())
                    {
                        if (p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var slot) || slot < 0 || slot >= map.Length)
                            throw Bad($"{where}: expert {e}: physical slot {p} is not in 0..{map.Length - 1}");
                        if (map[slot] >= 0) throw Bad($"{where}: physical slot {slot} holds both expert {map[slot]} and expert {e}");
                        map[slot] = e;
                    }
                    e++;
                }
                int empty = Array.IndexOf(map, -1);
                if (empty >= 0) throw Bad($"{where}: physical slot {empty} holds no expert");
                var name = l.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : $"layer {index}";
                list.Add(new LayerPlan(name, map));
                index++;
            }
            string Str(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            return new PlacementPlan(Str("model"), Str("strategy"), Str("mode"), gpus, nodes, experts, topK, slots, list);
        }
    }

    /// <summary>The largest plan file read: a plan for Switch-C on 2048 GPUs with 2048 redundant slots is under 1 MB.</summary>
    public const long MaxFileBytes = 64L << 20;

    public static PlacementPlan ReadFile(string path)
    {
        string text;
        try { text = GraphDsl.Ir.Files.InputFile.ReadAllText(path, MaxFileBytes, "a placement plan"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Bad($"cannot read '{path}': {GraphDsl.Ir.Diagnostics.FileErrors.Reason(path, e)}"); }
        return Read(text, path);
    }

    private static int Int(JsonElement e, string name, string source) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
            : throw Bad($"{source}: '{name}' must be an integer");

    private static PlacementException Bad(string message) => new(PlacementProblem.PlanFile, message);

    private static string Field(string name, Action<Utf8JsonWriter> value) => Compact(w => w.WriteStringValue(name)) + ": " + Compact(value);

    private static string Compact(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false })) write(w);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
