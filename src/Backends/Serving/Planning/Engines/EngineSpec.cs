using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>What one argument (a command-line flag, a JSON key inside one, or a dotted YAML path) accepts:
/// <c>int</c> and <c>float</c> within [Min, Max], <c>choice</c> among <see cref="Values"/>, <c>flag</c> (no value),
/// <c>bool</c>, <c>string</c>, <c>path</c>, <c>list</c>, or <c>json</c> (an object whose keys are <see cref="Keys"/>).</summary>
public sealed record ArgSpec(string Type, double? Min, double? Max, IReadOnlyList<string> Values, IReadOnlyDictionary<string, ArgSpec> Keys);

/// <summary>
/// One engine's launch interface as a data file (<c>Planning/Engines/ENGINE.json</c>, embedded): its version and the
/// documentation and source it was read from, the command, the flags with their types and ranges, the flags whose
/// product is the GPU count, the pairs where one flag must divide another, and the keys of its YAML file. Exports are
/// written from the plan and checked against it (<see cref="ExportCheck"/>).
/// </summary>
public sealed class EngineSpec
{
    /// <summary>The engines <c>--export</c> names.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "vllm", "sglang", "trtllm", "dynamo" };

    public string Engine { get; private init; } = "";
    public string Version { get; private init; } = "";
    public string Docs { get; private init; } = "";
    public IReadOnlyList<string> Sources { get; private init; } = Array.Empty<string>();
    /// <summary>The command's words before its arguments (<c>vllm serve</c>).</summary>
    public IReadOnlyList<string> Command { get; private init; } = Array.Empty<string>();
    /// <summary>Positional arguments after the command (the model for vllm serve and trtllm-serve).</summary>
    public int Positional { get; private init; }
    public IReadOnlyDictionary<string, ArgSpec> Flags { get; private init; } = new Dictionary<string, ArgSpec>();
    /// <summary>Flags whose values multiply to the GPUs of one deployment (absent flags count 1).</summary>
    public IReadOnlyList<string> GpuFlags { get; private init; } = Array.Empty<string>();
    /// <summary>(A, B): when both are given, A's value divides B's.</summary>
    public IReadOnlyList<(string Divisor, string Of)> Divides { get; private init; } = Array.Empty<(string, string)>();
    /// <summary>Dotted paths of the engine's YAML file (TensorRT-LLM's extra options, Dynamo's deployment).</summary>
    public IReadOnlyDictionary<string, ArgSpec> Yaml { get; private init; } = new Dictionary<string, ArgSpec>();
    /// <summary>The YAML key a dotted path is checked against: the path itself, or the path with one segment a '*' (Dynamo's
    /// services take any name: <c>spec.services.*.replicas</c>); null when the engine reads no such key.</summary>
    public ArgSpec? YamlKey(string path)
    {
        if (Yaml.TryGetValue(path, out var arg)) return arg;
        var parts = path.Split('.');
        for (int i = 0; i < parts.Length; i++)
        {
            var star = string.Join(".", parts.Select((p, j) => j == i ? "*" : p));
            if (Yaml.TryGetValue(star, out arg)) return arg;
        }
        return null;
    }

    /// <summary>Dynamo: the worker module of each engine backend it runs.</summary>
    public IReadOnlyDictionary<string, string> Backends { get; private init; } = new Dictionary<string, string>();

    private static readonly Dictionary<string, EngineSpec> Cache = new();

    /// <summary>The data file of <paramref name="engine"/> (one of <see cref="Names"/>).</summary>
    public static EngineSpec Load(string engine)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(engine, out var known)) return known;
            using var stream = typeof(EngineSpec).Assembly.GetManifestResourceStream($"GraphDsl.Planning.Engines.{engine}.json")
                ?? throw new ArgumentException($"no engine data file for '{engine}'; known: {string.Join(", ", Names)}");
            using var doc = JsonDocument.Parse(stream);
            return Cache[engine] = Read(doc.RootElement);
        }
    }

    private static EngineSpec Read(JsonElement e)
    {
        static string[] Strings(JsonElement e, string name) =>
            e.TryGetProperty(name, out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToArray() : Array.Empty<string>();
        static Dictionary<string, ArgSpec> Args(JsonElement e, string name) =>
            e.TryGetProperty(name, out var o) ? o.EnumerateObject().ToDictionary(p => p.Name, p => Arg(p.Value)) : new Dictionary<string, ArgSpec>();
        static ArgSpec Arg(JsonElement e) => new(
            e.GetProperty("type").GetString()!,
            e.TryGetProperty("min", out var min) ? min.GetDouble() : null,
            e.TryGetProperty("max", out var max) ? max.GetDouble() : null,
            Strings(e, "values"),
            Args(e, "keys"));
        return new EngineSpec
        {
            Engine = e.GetProperty("engine").GetString()!,
            Version = e.GetProperty("version").GetString()!,
            Docs = e.GetProperty("docs").GetString()!,
            Sources = Strings(e, "sources"),
            Command = Strings(e, "command"),
            Positional = e.GetProperty("positional").GetInt32(),
            Flags = Args(e, "flags"),
            GpuFlags = Strings(e, "gpus"),
            Divides = e.GetProperty("divides").EnumerateArray().Select(p => (p[0].GetString()!, p[1].GetString()!)).ToArray(),
            Yaml = Args(e, "yaml"),
            Backends = e.TryGetProperty("backends", out var b) ? b.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new Dictionary<string, string>(),
        };
    }

    /// <summary>Why <paramref name="value"/> is not a valid value of <paramref name="arg"/> (named <paramref name="name"/>), or null.</summary>
    public static string? Problem(string name, ArgSpec arg, string? value)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (arg.Type == "flag") return value is null ? null : $"{name} takes no value, found '{value}'";
        if (value is null) return $"{name} needs a value";
        switch (arg.Type)
        {
            case "int":
                if (!long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, inv, out var i)) return $"{name} '{value}' is not an integer";
                return Range(name, i, arg);
            case "float":
                if (!double.TryParse(value, System.Globalization.NumberStyles.Float, inv, out var f) || !double.IsFinite(f)) return $"{name} '{value}' is not a number";
                return Range(name, f, arg);
            case "bool":
                return value is "true" or "false" ? null : $"{name} '{value}' is not true or false";
            case "choice":
                return arg.Values.Contains(value) ? null : $"{name} '{value}' is not one of {string.Join(", ", arg.Values)}";
            case "json":
                try
                {
                    using var doc = JsonDocument.Parse(value);
                    if (doc.RootElement.ValueKind != JsonValueKind.Object) return $"{name} is not a JSON object";
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        if (!arg.Keys.TryGetValue(p.Name, out var key)) return $"{name} has no key '{p.Name}'; its keys: {string.Join(", ", arg.Keys.Keys)}";
                        var text = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
                        if (Problem($"{name}.{p.Name}", key, text) is { } why) return why;
                    }
                    return null;
                }
                catch (JsonException e) { return $"{name} is not JSON: {e.Message}"; }
            default:
                return value.Length == 0 ? $"{name} is empty" : null;
        }
    }

    private static string? Range(string name, double v, ArgSpec arg) =>
        arg.Min is { } min && v < min ? $"{name} {v} is below its minimum {min}"
        : arg.Max is { } max && v > max ? $"{name} {v} is above its maximum {max}"
        : null;
}
