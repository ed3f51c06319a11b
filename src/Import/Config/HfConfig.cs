using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Import.Json;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Import.Config;

/// <summary>
/// One JSON object of a Hugging Face config (the file, or a nested one such as <c>text_config</c>), read field by field.
/// Every getter records the field as understood; the mapping of an architecture also declares the fields that do not
/// change the computation (<see cref="Ignore"/>). Whatever is left (<see cref="Leftovers"/>) is a field nobody
/// understood, which the importer refuses rather than guess. A field set to null counts as absent, as in transformers.
/// </summary>
public sealed class HfConfig
{
    private readonly JsonObject _object;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly List<HfConfig> _children = new();

    public HfConfig(JsonObject obj, string path, string prefix = "")
    {
        _object = obj; Path = path; Prefix = prefix;
    }

    /// <summary>The file the object came from.</summary>
    public string Path { get; }

    /// <summary>"text_config." for a nested object, so diagnostics name the field as the file nests it.</summary>
    public string Prefix { get; }

    public SourceSpan Span => _object.Span;

    /// <summary>The names of the fields present.</summary>
    public IEnumerable<string> Fields() => _object.Members.Select(m => m.Name);

    public bool Has(string name) => Find(name) is { } m && m.Value is not JsonNull;

    public JsonMember? Find(string name) => _object.Members.FirstOrDefault(m => m.Name == name);

    /// <summary>Where the field is written (its name), or the object when it is absent.</summary>
    public SourceSpan SpanOf(string name) => Find(name)?.NameSpan ?? _object.Span;

    /// <summary>A required size (a width, a vocabulary, a count of heads or experts, a rank): every field read this way
    /// is one, so it must be at least 1 (vocab_size -5 used to write a spec that does not compile, with exit 0).</summary>
    public long Int(string name)
    {
        long v = OptInt(name) ?? throw Missing(name, "a whole number");
        return v >= 1 ? v : throw Unsupported(name, $"is {v}; it must be at least 1");
    }

    public long? OptInt(string name)
    {
        var v = Value(name);
        if (v is null) return null;
        if (v is JsonNumber { Integer: { } i }) return i;
        throw WrongType(name, "a whole number", v);
    }

    public long IntOr(string name, long fallback) => OptInt(name) ?? fallback;

    /// <summary>A count the spec writes one layer (or one list entry) for: at least 1 and at most <paramref name="max"/>,
    /// so a hostile config cannot make the importer build an unbounded model.</summary>
    public long Count(string name, long max)
    {
        long v = Int(name);
        if (v < 1 || v > max) throw Unsupported(name, $"is {v}; it must be between 1 and {max}");
        return v;
    }

    public double? OptFloat(string name)
    {
        var v = Value(name);
        if (v is null) return null;
        if (v is JsonNumber n && double.IsFinite(n.Value)) return n.Value;
        throw WrongType(name, "a finite number", v);
    }

    public double FloatOr(string name, double fallback) => OptFloat(name) ?? fallback;

    public string? OptString(string name)
    {
        var v = Value(name);
        if (v is null) return null;
        if (v is JsonString s) return s.Value;
        throw WrongType(name, "a string", v);
    }

    public bool BoolOr(string name, bool fallback)
    {
        var v = Value(name);
        if (v is null) return fallback;
        if (v is JsonBool b) return b.Value;
        throw WrongType(name, "true or false", v);
    }

    public IReadOnlyList<long>? OptIntList(string name)
    {
        var v = Value(name);
        if (v is null) return null;
        if (v is JsonArray a && a.Items.All(i => i is JsonNumber { Integer: not null }))
            return a.Items.Select(i => ((JsonNumber)i).Integer!.Value).ToList();
        throw WrongType(name, "a list of whole numbers", v);
    }

    public IReadOnlyList<string>? OptStringList(string name)
    {
        var v = Value(name);
        if (v is null) return null;
        if (v is JsonArray a && a.Items.All(i => i is JsonString)) return a.Items.Select(i => ((JsonString)i).Value).ToList();
        throw WrongType(name, "a list of strings", v);
    }

    /// <summary>A nested object (<c>rope_scaling</c>, <c>text_config</c>, DBRX's <c>attn_config</c>), tracked like this one.</summary>
    public HfConfig? OptObject(string name)
    {
        var v = Value(name);
        if (v is null) return null;
        if (v is not JsonObject o) throw WrongType(name, "an object", v);
        var child = new HfConfig(o, Path, Prefix + name + ".");
        _children.Add(child);
        return child;
    }

    /// <summary>Marks fields that do not change the computation (token ids, training settings, metadata); -v lists
    /// those present.</summary>
    public void Ignore(params string[] names)
    {
        foreach (var n in names) _ignored.Add(n);
    }

    /// <summary>Marks a field as understood without reading it (its meaning is decided by another field).</summary>
    public void Understood(params string[] names)
    {
        foreach (var n in names) _read.Add(n);
    }

    /// <summary>Fields present that no getter read and no mapping declared harmless, nested objects included.</summary>
    public IEnumerable<JsonMember> Leftovers(Func<HfConfig, JsonMember, bool>? alsoIgnored = null) =>
        _object.Members.Where(m => !_read.Contains(m.Name) && !_ignored.Contains(m.Name) && !(alsoIgnored?.Invoke(this, m) ?? false))
            .Select(m => m with { Name = Prefix + m.Name })
            .Concat(_children.SelectMany(c => c.Leftovers(alsoIgnored)));

    /// <summary>The ignored fields that are present, nested objects included, as "prefix.name".</summary>
    public IEnumerable<string> IgnoredPresent() =>
        _object.Members.Where(m => _ignored.Contains(m.Name) && !_read.Contains(m.Name)).Select(m => Prefix + m.Name)
            .Concat(_children.SelectMany(c => c.IgnoredPresent()));

    /// <summary>A diagnostic about a field's value (the value is understood but not supported).</summary>
    public ConfigException Unsupported(string name, string why) =>
        new(DiagnosticCatalog.ConfigFieldNotUnderstood.At(Find(name)?.Value.Span ?? _object.Span, Prefix + name, why));

    private JsonNode? Value(string name)
    {
        _read.Add(name);
        var m = Find(name);
        return m is null || m.Value is JsonNull ? null : m.Value;
    }

    private ConfigException Missing(string name, string expected) =>
        new(DiagnosticCatalog.BadConfigJson.At(_object.Span, Path, $"'{Prefix}{name}' is missing (expected {expected})"));

    private ConfigException WrongType(string name, string expected, JsonNode found) =>
        new(DiagnosticCatalog.BadConfigJson.At(found.Span, Path, $"'{Prefix}{name}' must be {expected}, not {found.Kind}"));

    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
