using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace GraphDsl.Backends.CostModel.Moe;

/// <summary>Routing observed (or generated) for one MoE layer: tokens routed and how many picked each expert.</summary>
public sealed class LayerRouting
{
    public LayerRouting(string name, long tokens, long[] expertTokens, double[][]? coactivation = null)
    {
        Name = name; Tokens = tokens; ExpertTokens = expertTokens; Coactivation = coactivation;
    }
    public string Name { get; }
    public long Tokens { get; }
    /// <summary>Tokens that picked each expert (sums to tokens x top_k).</summary>
    public long[] ExpertTokens { get; }
    /// <summary>Optional: share of tokens picking expert i here that pick expert j in the next layer.</summary>
    public double[][]? Coactivation { get; }

    /// <summary>Probability that a token picks expert e (sums to top_k).</summary>
    public double Probability(int e) => Tokens == 0 ? 0 : (double)ExpertTokens[e] / Tokens;
}

/// <summary>
/// Routing statistics of a model: per MoE layer (in model order, repeats unrolled), tokens per expert
/// over a sample, and optionally expert co-activation between consecutive layers. Read from JSON
/// (schema graphdsl-routing/1), validated against the model, or generated (uniform or Zipf, seeded).
/// </summary>
public sealed class RoutingStats
{
    public const string Schema = "graphdsl-routing/1";

    public RoutingStats(string model, int experts, int topK, IReadOnlyList<LayerRouting> layers)
    {
        Model = model; Experts = experts; TopK = topK; Layers = layers;
    }

    public string Model { get; }
    public int Experts { get; }
    public int TopK { get; }
    public IReadOnlyList<LayerRouting> Layers { get; }

    /// <summary>Checks the statistics against a model's MoE layers; returns the problems (empty when usable).</summary>
    public IReadOnlyList<string> Validate(int layers, int experts, int topK)
    {
        var errors = new List<string>();
        if (Layers.Count != layers) errors.Add($"the statistics have {Layers.Count} MoE layer(s) but the model has {layers}");
        if (Experts != experts) errors.Add($"the statistics are for {Experts} experts but the model's MoE layers have {experts}");
        if (TopK != topK) errors.Add($"the statistics use top_k = {TopK} but the model routes to {topK}");
        for (int l = 0; l < Layers.Count; l++)
        {
            var L = Layers[l];
            if (L.Tokens <= 0) errors.Add($"layer {l} ({L.Name}): tokens must be positive, found {L.Tokens}");
            if (L.ExpertTokens.Length != Experts) errors.Add($"layer {l} ({L.Name}): {L.ExpertTokens.Length} expert counts for {Experts} experts");
            for (int e = 0; e < L.ExpertTokens.Length; e++)
                if (L.ExpertTokens[e] < 0) { errors.Add($"layer {l} ({L.Name}): expert {e} has a negative load ({L.ExpertTokens[e]})"); break; }
            if (L.ExpertTokens.Any(c => c > L.Tokens)) errors.Add($"layer {l} ({L.Name}): an expert received more tokens than the layer routed");
            long sum = L.ExpertTokens.Sum();
            if (L.Tokens > 0 && sum != L.Tokens * TopK) errors.Add($"layer {l} ({L.Name}): expert loads sum to {sum}, not tokens x top_k = {L.Tokens * TopK}");
            if (L.Coactivation is { } co && (co.Length != Experts || co.Any(r => r.Length != Experts || r.Any(x => x < 0 || double.IsNaN(x)))))
                errors.Add($"layer {l} ({L.Name}): coactivation must be a {Experts} x {Experts} matrix of non-negative shares");
        }
        return errors;
    }

    public static RoutingStats Load(string path)
    {
        using var stream = File.OpenRead(path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            int Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
                ? i : throw new InvalidDataException($"{path}: '{name}' must be an integer");
            if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: expected a \"layers\" array");
            var list = new List<LayerRouting>();
            int index = 0;
            foreach (var l in layers.EnumerateArray())
            {
                var where = $"{path}: layers[{index}]";
                if (!l.TryGetProperty("expert_tokens", out var et) || et.ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"{where}: expected an \"expert_tokens\" array");
                var counts = et.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out var c) ? c
                    : throw new InvalidDataException($"{where}: expert_tokens must hold integers")).ToArray();
                long tokens = l.TryGetProperty("tokens", out var t) && t.TryGetInt64(out var tv) ? tv : throw new InvalidDataException($"{where}: 'tokens' must be an integer");
                double[][]? co = null;
                if (l.TryGetProperty("coactivation", out var c2) && c2.ValueKind == JsonValueKind.Array)
                    co = c2.EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();
                list.Add(new LayerRouting(l.TryGetProperty("name", out var n) ? n.GetString() ?? $"layer {index}" : $"layer {index}", tokens, counts, co));
                index++;
            }
            return new RoutingStats(root.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "", Int(root, "experts"), Int(root, "top_k"), list);
        }
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("model", Model);
            w.WriteNumber("experts", Experts);
            w.WriteNumber("top_k", TopK);
            w.WriteStartArray("layers");
            foreach (var l in Layers)
            {
                w.WriteStartObject();
                w.WriteString("name", l.Name);
                w.WriteNumber("tokens", l.Tokens);
                w.WriteStartArray("expert_tokens");
                foreach (var c in l.ExpertTokens) w.WriteNumberValue(c);
                w.WriteEndArray();
                if (l.Coactivation is { } co)
                {
                    w.WriteStartArray("coactivation");
                    foreach (var row in co)
                    {
                        w.WriteStartArray();
                        foreach (var x in row) w.WriteNumberValue(Math.Round(x, 6));
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        // One layer per line keeps the file diff-friendly.
        return Encoding.UTF8.GetString(stream.ToArray()).Replace("},{\"name\"", "},\n{\"name\"") + "\n";
    }
}
