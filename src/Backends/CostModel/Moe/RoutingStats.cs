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

    /// <summary>
    /// The most tokens a layer's sample may hold: 2^40 (a trillion), far more than any trace or synthetic
    /// sample. With it, tokens x top_k and the sums of expert loads stay well inside a long wherever the
    /// placers and the cost model add or scale them.
    /// </summary>
    public const long MaxTokens = 1L << 40;

    public RoutingStats(string model, int experts, int topK, IReadOnlyList<LayerRouting> layers)
    {
        Model = model; Experts = experts; TopK = topK; Layers = layers;
    }

    public string Model { get; }
    public int Experts { get; }
    public int TopK { get; }
    public IReadOnlyList<LayerRouting> Layers { get; }

    /// <summary>Checks the statistics against the model they are applied to, <paramref name="model"/> with its MoE
    /// <paramref name="layers"/> (<see cref="MoeLayers.Of"/>); returns the problems (empty when usable). Statistics that
    /// name another model are refused whatever their shape: Mixtral-8x7B's and Mixtral-8x22B's both have 8 experts, top-2,
    /// and were accepted for each other. Statistics that name no model (written by hand) are checked by shape alone.</summary>
    public IReadOnlyList<string> ValidateFor(string model, IReadOnlyList<MoeLayers.Layer> layers)
    {
        if (Model.Length > 0 && Model != model)
            return new[] { $"the statistics are for the model '{Model}', but the model given is '{model}'; make them for it with graphdsl route-stats" };
        return Validate(layers.Count, layers[0].Experts, layers[0].TopK);
    }

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
            if (L.Tokens > MaxTokens) errors.Add($"layer {l} ({L.Name}): {L.Tokens} tokens is more than the limit of {MaxTokens} (2^40)");
            if (L.ExpertTokens.Length != Experts) errors.Add($"layer {l} ({L.Name}): {L.ExpertTokens.Length} expert counts for {Experts} experts");
            for (int e = 0; e < L.ExpertTokens.Length; e++)
                if (L.ExpertTokens[e] < 0) { errors.Add($"layer {l} ({L.Name}): expert {e} has a negative load ({L.ExpertTokens[e]})"); break; }
            if (L.ExpertTokens.Any(c => c > L.Tokens)) errors.Add($"layer {l} ({L.Name}): an expert received more tokens than the layer routed");
            // Checked: loads near 2^62 used to overflow here (an internal error) or wrap around to a match.
            if (L.Tokens > 0 && TopK > 0 && (L.Tokens <= long.MaxValue / TopK ? L.Tokens * TopK : (long?)null) is var expected
                && CheckedSum(L.ExpertTokens) is var sum && sum != expected)
                errors.Add($"layer {l} ({L.Name}): expert loads sum to {Count(sum)}, not tokens x top_k = {Count(expected)}");
            if (L.Coactivation is { } co && (co.Length != Experts || co.Any(r => r.Length != Experts || r.Any(x => !(x >= 0 && double.IsFinite(x))))))
                errors.Add($"layer {l} ({L.Name}): coactivation must be a {Experts} x {Experts} matrix of finite non-negative shares");
        }
        return errors;
    }

    /// <summary>The largest statistics file read: route-stats --coactivation writes 244 MB for Switch-C
    /// (2048 experts, an E x E matrix per MoE layer), the largest expert count among the samples.</summary>
    public const long MaxFileBytes = 512L << 20;

    private static string Count(long? n) => n is { } v ? v.ToString(CultureInfo.InvariantCulture) : "more than 2^63";

    /// <summary>The sum, or null when it would overflow a long.</summary>
    private static long? CheckedSum(long[] values)
    {
        long sum = 0;
        foreach (var v in values)
        {
            if (v > 0 && sum > long.MaxValue - v) return null;
            sum += v;
        }
        return sum;
    }

    /// <summary>Reads a statistics file; a file of the wrong shape is an <see cref="InvalidDataException"/>
    /// naming the file, the place (<c>layers[3].tokens</c>) and what was expected there.</summary>
    public static RoutingStats Load(string path)
    {
        var bytes = GraphDsl.Ir.Files.InputFile.ReadAllBytes(path, MaxFileBytes, "a routing-statistics file");
        return Read(new MemoryStream(bytes, writable: false), path);
    }

    /// <summary>Reads statistics from a JSON stream; <paramref name="path"/> names it in errors (as for <see cref="Load"/>).</summary>
    public static RoutingStats Read(Stream stream, string path)
    {
        using (var doc = JsonInput.Parse(stream, path, message => new InvalidDataException(message)))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object with \"experts\", \"top_k\" and \"layers\", found {Kind(root)}");
            if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: expected a \"layers\" array");
            var list = new List<LayerRouting>();
            int index = 0;
            foreach (var l in layers.EnumerateArray())
            {
                var where = $"{path}: layers[{index}]";
                if (l.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected an object, found {Kind(l)}");
                if (!l.TryGetProperty("expert_tokens", out var et) || et.ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"{where}: expected an \"expert_tokens\" array");
                var counts = et.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out var c) ? c
                    : throw new InvalidDataException($"{where}: expert_tokens must hold integers")).ToArray();
                long tokens = l.TryGetProperty("tokens", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out var tv) ? tv
                    : throw new InvalidDataException($"{where}: 'tokens' must be an integer");
                var co = l.TryGetProperty("coactivation", out var c2) && c2.ValueKind != JsonValueKind.Null ? Matrix(c2, $"{where}.coactivation") : null;
                string name = $"layer {index}";
                if (l.TryGetProperty("name", out var n) && n.ValueKind != JsonValueKind.Null)
                    name = n.ValueKind == JsonValueKind.String ? Printable(n, $"{where}: 'name'") : throw new InvalidDataException($"{where}: 'name' must be a string, found {Kind(n)}");
                list.Add(new LayerRouting(name, tokens, counts, co));
                index++;
            }
            CheckSchema(root, path);
            string model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? Printable(m, $"{path}: 'model'") : "";
            return new RoutingStats(model, Int(root, "experts", path), Int(root, "top_k", path), list);
        }
    }

    /// <summary>A file that names its schema must name this one: another version's fields may mean other things (a file
    /// of "graphdsl-routing/2" was read as version 1). A file without "schema" (written by hand) is read as version 1.</summary>
    private static void CheckSchema(JsonElement root, string path)
    {
        if (!root.TryGetProperty("schema", out var schema)) return;
        if (schema.ValueKind != JsonValueKind.String || schema.GetString() != Schema)
            throw new InvalidDataException($"{path}: \"schema\" is {Kind(schema)}, but this graphdsl reads routing statistics of \"{Schema}\"; write the file again with graphdsl route-stats");
    }

    /// <summary>A name the diagnostics print back (the model's, a layer's); one holding a character of
    /// <see cref="PrintableText.IsUnprintable"/> is refused, shown escaped: a model named "\u001b]0;...\u0007" retitled the
    /// terminal of whoever read the message that the statistics were for another model.</summary>
    private static string Printable(JsonElement text, string what)
    {
        var s = text.GetString()!;
        return s.Any(PrintableText.IsUnprintable)
            ? throw new InvalidDataException($"{what} is {Kind(text)}, which holds a control, format or line-break character; name it in printable text")
            : s;
    }

    private static int Int(JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i : throw new InvalidDataException($"{path}: '{name}' must be an integer");

    /// <summary>An array of rows of numbers (the co-activation shares; their size is checked by <see cref="Validate"/>).</summary>
    private static double[][] Matrix(JsonElement e, string where)
    {
        const string Expected = "must be an array of rows of numbers";
        if (e.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{where} {Expected}, found {Kind(e)}");
        return e.EnumerateArray().Select((row, r) => row.ValueKind == JsonValueKind.Array
            ? row.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble()
                : throw new InvalidDataException($"{where}[{r}] {Expected}, found {Kind(x)}")).ToArray()
            : throw new InvalidDataException($"{where}[{r}] {Expected}, found {Kind(row)}")).ToArray();
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        // Escaped as JSON writes it (\u001B for ESC): the text comes from the file and is printed to a terminal.
        JsonValueKind.String => $"the string \"{JsonEncodedText.Encode(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };

    public string ToJson()
    {
        using var stream = new MemoryStream();
        WriteJson(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the statistics as JSON, one layer per line (diff-friendly), streaming: a model with
    /// 2,048 experts and co-activation has ~60M numbers, which must not be built as one string first.
    /// The header and each layer are written by their own writer; the separators between them by hand.</summary>
    public void WriteJson(Stream stream)
    {
        var options = new JsonWriterOptions { Indented = false, SkipValidation = true };
        using (var w = new Utf8JsonWriter(stream, options))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("model", Model);
            w.WriteNumber("experts", Experts);
            w.WriteNumber("top_k", TopK);
            w.WritePropertyName("layers");
            w.WriteStartArray();
        }
        for (int i = 0; i < Layers.Count; i++)
        {
            if (i > 0) stream.Write(Separator, 0, Separator.Length);
            using var w = new Utf8JsonWriter(stream, options);
            WriteLayer(w, Layers[i]);
        }
        stream.Write(Closing, 0, Closing.Length);
    }

    private static readonly byte[] Separator = Encoding.UTF8.GetBytes(",\n");
    private static readonly byte[] Closing = Encoding.UTF8.GetBytes("]}\n");

    private static void WriteLayer(Utf8JsonWriter w, LayerRouting l)
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
}
