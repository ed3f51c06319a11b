using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>
/// Device descriptions: the built-in catalog (Data/hardware.json, every number with its source) plus
/// any device files a user adds in the same format. Unknown ids get a "did you mean".
/// </summary>
public sealed class HardwareCatalog
{
    private readonly Dictionary<string, Device> _devices = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<Device> Devices => _devices.Values;

    public static HardwareCatalog BuiltIn()
    {
        var catalog = new HardwareCatalog();
        using var stream = typeof(HardwareCatalog).Assembly.GetManifestResourceStream("hardware.json")
            ?? throw new InvalidOperationException("built-in hardware catalog missing");
        catalog.Add(stream, "hardware.json");
        return catalog;
    }

    /// <summary>Adds the devices of a user file (same schema); later entries replace earlier ones with the same id.</summary>
    public void AddFile(string path)
    {
        using var stream = File.OpenRead(path);
        Add(stream, path);
    }

    public Device? Find(string id) => _devices.TryGetValue(id, out var d) ? d : null;

    public string Suggest(string id) => GraphDsl.Ir.Suggest.DidYouMean(id, _devices.Keys);

    private void Add(Stream stream, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new HardwareFileException($"{source}: not valid JSON: {e.Message}"); }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("devices", out var devices) || devices.ValueKind != JsonValueKind.Array)
                throw new HardwareFileException($"{source}: expected an object with a \"devices\" array");
            int i = 0;
            foreach (var d in devices.EnumerateArray())
            {
                var device = Parse(d, $"{source}: devices[{i++}]");
                _devices[device.Id] = device;
            }
        }
    }

    private static Device Parse(JsonElement d, string where)
    {
        string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Missing(name);
        double Num(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.GetDouble() > 0 ? v.GetDouble() : throw Missing(name + " (a positive number)");
        double NumOr(JsonElement e, string name, double dflt) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : dflt;
        HardwareFileException Missing(string name) => new($"{where}: missing or invalid '{name}'");

        var id = Str(d, "id");
        where = $"{where} ('{id}')";
        var peaks = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!d.TryGetProperty("peak_tflops", out var pk) || pk.ValueKind != JsonValueKind.Object) throw Missing("peak_tflops");
        foreach (var p in pk.EnumerateObject())
            if (p.Value.ValueKind == JsonValueKind.Number) peaks[p.Name] = p.Value.GetDouble() * 1e12;
        if (!peaks.ContainsKey("bf16") && !peaks.ContainsKey("f16")) throw Missing("peak_tflops.bf16");

        Link ParseLink(string name, bool required)
        {
            if (!d.TryGetProperty(name, out var l) || l.ValueKind != JsonValueKind.Object)
            {
                if (required) throw Missing(name);
                return new Link("none", 0, 0);
            }
            var bw = NumOr(l, "unidirectional_gbps", 0) * 1e9;
            if (required && bw <= 0) throw Missing(name + ".unidirectional_gbps");
            return new Link(l.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : name, bw,
                NumOr(l, "latency_us", 0) * 1e-6,
                !l.TryGetProperty("all_to_all", out var a2a) || a2a.ValueKind != JsonValueKind.False,
                NumOr(l, "peer_unidirectional_gbps", 0) * 1e9);
        }

        var sources = d.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : Array.Empty<string>();
        return new Device(id, d.TryGetProperty("name", out var nm) ? nm.GetString() ?? id : id,
            d.TryGetProperty("vendor", out var vd) ? vd.GetString() ?? "" : "",
            Num(d, "memory_bytes"), Num(d, "hbm_bandwidth_gbps") * 1e9, peaks,
            (int)NumOr(d, "sm_count", 0), ParseLink("intra_node", true), ParseLink("host_link", false), ParseLink("network", false),
            (int)NumOr(d, "gpus_per_node", 8), sources);
    }
}

/// <summary>A device file that cannot be used; the message says which entry and field.</summary>
public sealed class HardwareFileException : Exception
{
    public HardwareFileException(string message) : base(message) { }
}
