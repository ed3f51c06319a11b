using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>
/// A parsed and validated header: every tensor's dtype, shape and byte range, and the free-form
/// string metadata. Validation follows the reference implementation (huggingface/safetensors): known
/// dtypes, byte ranges that match shape x element size, lie inside the data section and tile it
/// exactly (no overlaps, gaps or trailing bytes), and unique names.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Headers above this size are rejected before anything is allocated.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
        ByName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> ByName { get; }

    /// <summary>Parses the JSON header and checks it against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(byte[] json, long dataLength)
    {
        string text;
        try { text = new UTF8Encoding(false, true).GetString(json); }
        catch (DecoderFallbackException e) { throw new SafetensorsException("the header is not valid UTF-8: " + e.Message); }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw new SafetensorsException("the header is not valid JSON: " + e.Message); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException($"the header must be a JSON object, not {doc.RootElement.ValueKind}");
            var entries = new List<SafetensorsEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                var name = Decoded(() => property.Name, "a tensor name");
                if (!seen.Add(name))
                    throw new SafetensorsException("appears more than once in the header", name);
                if (name == MetadataKey) ReadMetadata(property.Value, metadata);
                else entries.Add(ReadEntry(name, property.Value));
            }
            CheckLayout(entries, dataLength);
            return new SafetensorsHeader(entries, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException($"{MetadataKey} must be an object of strings, not {value.ValueKind}");
        foreach (var kv in value.EnumerateObject())
        {
            var key = Decoded(() => kv.Name, $"a {MetadataKey} key");
            if (kv.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsException($"{MetadataKey} entry '{key}' must be a string, not {kv.Value.ValueKind}");
            metadata[key] = Decoded(() => kv.Value.GetString(), $"{MetadataKey} entry '{key}'");
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException($"must be an object with dtype, shape and data_offsets, not {value.ValueKind}", name);
        if (!value.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String)
            throw new SafetensorsException("has no dtype string", name);
        var dtypeName = Decoded(() => dtypeJson.GetString(), $"tensor '{name}': the dtype");
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw new SafetensorsException($"unknown dtype '{dtypeName}' (supported: {SafetensorsDTypes.Supported})", name);
        var shape = ReadIntegers(name, value, "shape", null);
        var offsets = ReadIntegers(name, value, "data_offsets", 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw new SafetensorsException($"data_offsets [{begin}, {end}] end before they begin", name);
        long bytes;
        try { bytes = shape.Aggregate((long)dtype.SizeInBytes(), (a, d) => checked(a * d)); }
        catch (OverflowException) { throw new SafetensorsException($"shape {Format(shape)} is too large", name); }
        if (bytes != end - begin)
            throw new SafetensorsException($"shape {Format(shape)} of {dtypeName} needs {bytes} bytes but data_offsets [{begin}, {end}] hold {end - begin}", name);
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    /// <summary>A string of the header: System.Text.Json parses an unpaired surrogate escape (<c>"\ud800"</c>) and
    /// throws only when that string is read, so each read that can meet one goes through here.</summary>
    private static string Decoded(Func<string?> read, string what)
    {
        try { return read() ?? ""; }
        catch (InvalidOperationException) { throw new SafetensorsException($"{what} is not valid Unicode (an unpaired surrogate escape such as \\ud800)"); }
    }

    private static long[] ReadIntegers(string name, JsonElement value, string key, int? count)
    {
        if (!value.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new SafetensorsException($"has no {key} array", name);
        var result = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                throw new SafetensorsException($"{key} must hold non-negative integers, found {item.GetRawText()}", name);
            result.Add(v);
        }
        if (count is not null && result.Count != count)
            throw new SafetensorsException($"{key} must hold {count} integers, found {result.Count}", name);
        return result.ToArray();
    }

    /// <summary>Sorted by offset, each tensor must start where the previous one ended and the last
    /// must end at the end of the file.</summary>
    private static void CheckLayout(List<SafetensorsEntry> entries, long dataLength)
    {
        foreach (var e in entries)
            if (e.End > dataLength)
                throw new SafetensorsException($"data_offsets [{e.Begin}, {e.End}] lie outside the {dataLength}-byte data section (truncated file?)", e.Name);
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long position = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin < position)
                throw new SafetensorsException($"data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]", e.Name);
            if (e.Begin > position)
                throw new SafetensorsException($"data_offsets [{e.Begin}, {e.End}] leave bytes {position}..{e.Begin} unused before it", e.Name);
            position = e.End;
            previous = e;
        }
        if (position != dataLength)
            throw new SafetensorsException($"the data section has {dataLength} bytes but the tensors cover {position}" +
                (previous is null ? "" : $" (the last is '{previous.Name}')"));
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
