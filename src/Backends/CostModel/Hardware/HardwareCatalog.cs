using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>
/// Device descriptions: the built-in catalog (Data/hardware.json, every number with its source) plus
/// any device files a user adds in the same format. Unknown ids get a "did you mean".
/// </summary>
public sealed class HardwareCatalog
{
    private readonly Dictionary<string, Device> _devices = new(StringComparer.OrdinalIgnoreCase);
    // Fallbacks for devices without their own measurements (the catalog's "typical_measured": medians of the
    // measured devices), also applied to devices of user files added later.
    private readonly Dictionary<MathType, double> _typicalGemm = new();
    private double _typicalHbm;
    private AttentionLaw? _typicalAttention;

    public IReadOnlyCollection<Device> Devices => _devices.Values;

    public static HardwareCatalog BuiltIn()
    {
        var catalog = new HardwareCatalog();
        using var stream = typeof(HardwareCatalog).Assembly.GetManifestResourceStream("hardware.json")
            ?? throw new InvalidOperationException("built-in hardware catalog missing");
        catalog.Add(stream, "hardware.json");
        return catalog;
    }

    /// <summary>The largest hardware file read: the built-in catalog of every device, with its measured curves, is under
    /// 256 KiB (about 130 KB; a test keeps it under that).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>Adds the devices of a user file (same schema); later entries replace earlier ones with the same id. Returns
    /// the file's bytes as read, for a caller that points into it (the id a warning names) without reading it again.</summary>
    public byte[] AddFile(string path)
    {
        var bytes = GraphDsl.Ir.Files.InputFile.ReadAllBytes(path, MaxFileBytes, "a hardware file");
        using var stream = new MemoryStream(bytes, writable: false);
        Add(stream, path);
        return bytes;
    }

    public Device? Find(string id) => _devices.TryGetValue(id, out var d) ? d : null;

    /// <summary>"; did you mean ...?" for an unknown id: every variant of a family the id names ('H100' is h100-sxm and
    /// h100-pcie, the faster memory first, as the datasheets list the SXM part first), else the closest id by spelling.</summary>
    public string Suggest(string id)
    {
        var family = id.Trim().ToLowerInvariant();
        var variants = family.Length < 2 ? new List<Device>()
            : _devices.Values.Where(d => d.Id.StartsWith(family + "-", StringComparison.Ordinal) || d.Id.StartsWith(family, StringComparison.Ordinal) && family.Length >= 4)
                .OrderByDescending(d => d.HbmBytesPerSecond).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        if (variants.Count > 1 || variants.Count == 1 && variants[0].Id != id)
            return "; did you mean " + string.Join(" or ", variants.Select(d => $"'{d.Id}'")) + "?";
        return GraphDsl.Ir.Suggest.DidYouMean(id, _devices.Keys);
    }

    /// <summary>Adds the devices of a JSON document read from <paramref name="stream"/>; <paramref name="source"/>
    /// names it in errors. <see cref="AddFile"/> reads through here.</summary>
    public void Add(Stream stream, string source)
    {
        using (var doc = JsonInput.Parse(stream, source, message => new HardwareFileException(message),
                   new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("devices", out var devices) || devices.ValueKind != JsonValueKind.Array)
                throw new HardwareFileException($"{source}: expected an object with a \"devices\" array");
            if (doc.RootElement.TryGetProperty("typical_measured", out var typical) && typical.ValueKind == JsonValueKind.Object)
            {
                if (typical.TryGetProperty("gemm_fraction", out var tg) && tg.ValueKind == JsonValueKind.Object)
                    foreach (var p in tg.EnumerateObject())
                    {
                        var type = Math(p.Name, source, "typical_measured.gemm_fraction", MathType.WithPeaks);
                        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.GetDouble() is var f && HardwareLimits.FractionProblem(f) is null) _typicalGemm[type] = f;
                    }
                _typicalAttention = AttentionLaw.Read(typical, "typical_measured", m => new HardwareFileException($"{source}: {m}"));
                if (typical.TryGetProperty("hbm_fraction", out var th) && th.ValueKind == JsonValueKind.Number && th.GetDouble() is var h && HardwareLimits.FractionProblem(h) is null) _typicalHbm = h;
            }
            int i = 0;
            foreach (var d in devices.EnumerateArray())
            {
                var device = WithTypical(Parse(d, $"{source}: devices[{i++}]"));
                _devices[device.Id] = device;
            }
        }
    }

    /// <summary>Fills the measured fractions a device lacks with the catalog's typical ones.</summary>
    private Device WithTypical(Device d)
    {
        // The attention law is TensorRT-LLM's kernels': NVIDIA devices without their own take the typical one.
        if (d.Attention is null && _typicalAttention is not null && d.Vendor == "nvidia") d = d with { Attention = _typicalAttention };
        if (_typicalGemm.Count == 0 && _typicalHbm <= 0) return d;
        var gemm = new Dictionary<MathType, double>(_typicalGemm);
        bool own16 = d.GemmFraction.ContainsKey(MathType.Bf16);
        foreach (var kv in d.GemmFraction) gemm[kv.Key] = kv.Value;
        // A device measured at 16 bits but not at a narrower format keeps its own 16-bit figure for f16 and
        // integer weight-only math (GemmFractionFor), and takes the typical figure only for the missing format.
        if (own16) gemm[MathType.Bf16] = d.GemmFraction[MathType.Bf16];
        return d with { GemmFraction = gemm, HbmFraction = d.HbmFraction > 0 ? d.HbmFraction : _typicalHbm };
    }

    /// <summary>The math type a hardware.json key names (a peak, a measured GEMM fraction or a kernel latency), parsed
    /// once here; an unknown key is an error naming it, its place and the known keys.</summary>
    private static MathType Math(string key, string where, string field, IReadOnlyList<MathType> known) =>
        MathType.TryParse(key, out var t) && known.Contains(t) ? t
        : throw new HardwareFileException($"{where}: unknown math type '{key}' in {field}{GraphDsl.Ir.Suggest.DidYouMean(key, known.Select(k => k.Key))}; known: {MathType.List(known)}");

    private static Device Parse(JsonElement d, string where)
    {
        // Every field is checked for its type and range: a wrong one is an error naming it, never an exception
        // from JsonElement or a silently ignored value. null is the same as absent (no published figure).
        if (d.ValueKind != JsonValueKind.Object) throw new HardwareFileException($"{where}: expected a device object");
        string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Missing(name);
        string? OptStr(JsonElement e, string name, string? path = null) =>
            !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString() : throw Missing((path ?? name) + " (a string)");
        double Num(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.GetDouble() is var x && x > 0 && double.IsFinite(x) ? x : throw Missing(name + " (a positive number)");
        double NumOr(JsonElement e, string name, double dflt, string? path = null) =>
            !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? dflt
            : v.ValueKind == JsonValueKind.Number && v.GetDouble() is var x && x >= 0 && double.IsFinite(x) ? x : throw Missing((path ?? name) + " (a number >= 0)");
        int IntOr(JsonElement e, string name, int dflt, int min) =>
            !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? dflt
            : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min ? (int)Within(n, HardwareLimits.MaxCount, name, "")
            : throw Missing($"{name} (an integer >= {min})");
        HardwareFileException Missing(string name) => new($"{where}: missing or invalid '{name}'");
        // A reader's error about a field of this device, named with the device.
        HardwareFileException Bad(string message) => new($"{where}: {message}");
        // A value no device could have (see HardwareLimits) makes every prediction nonsense: name it and the bound.
        double Within(double x, double max, string name, string unit, double min = 0) =>
            x > max ? throw new HardwareFileException($"{where}: '{name}' is {x.ToString("G4", CultureInfo.InvariantCulture)}, beyond any device (at most {max.ToString("G", CultureInfo.InvariantCulture)}{unit})")
            : x > 0 && x < min ? throw new HardwareFileException($"{where}: '{name}' is {x.ToString("G4", CultureInfo.InvariantCulture)}, below any device (at least {min.ToString("G", CultureInfo.InvariantCulture)}{unit})")
            : x;

        var id = Str(d, "id");
        // --hardware names a device by its id, and sweep and plan split their lists at commas: an id that is blank, has
        // spaces at an end, a comma or a control character loaded and was listed, but no command line could choose it.
        if (id.Trim().Length == 0 || id.Trim() != id || id.Contains(',') || id.Any(char.IsControl))
            throw new HardwareFileException($"{where}: 'id' \"{JsonEncodedText.Encode(id)}\" cannot be named with --hardware: give an id without commas, control characters or spaces at its ends");
        where = $"{where} ('{id}')";
        var peaks = new Dictionary<MathType, double>();
        if (!d.TryGetProperty("peak_tflops", out var pk) || pk.ValueKind != JsonValueKind.Object) throw Missing("peak_tflops");
        foreach (var p in pk.EnumerateObject())
        {
            var type = Math(p.Name, where, "peak_tflops", MathType.WithPeaks);
            // null: no native tensor math for that format on the device.
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            if (p.Value.ValueKind != JsonValueKind.Number || p.Value.GetDouble() is var t && !(t > 0 && double.IsFinite(t * 1e12)))
                throw Missing($"peak_tflops.{p.Name} (a positive number, or null)");
            peaks[type] = Within(p.Value.GetDouble(), HardwareLimits.MaxPeakTflops, "peak_tflops." + p.Name, " TFLOP/s", HardwareLimits.MinPeakTflops) * 1e12;
        }
        if (!peaks.ContainsKey(MathType.Bf16) && !peaks.ContainsKey(MathType.F16)) throw Missing($"peak_tflops.{MathType.Bf16}");

        // Absent or null: the link carries all-to-all traffic (the common case); anything but a boolean is an error.
        bool AllToAll(JsonElement link, string name)
        {
            if (!link.TryGetProperty("all_to_all", out var a2a) || a2a.ValueKind is JsonValueKind.Null or JsonValueKind.True) return true;
            if (a2a.ValueKind == JsonValueKind.False) return false;
            throw new HardwareFileException($"{where}: {name}.all_to_all must be true or false");
        }

        Link ParseLink(string name, bool required)
        {
            if (!d.TryGetProperty(name, out var l) || l.ValueKind != JsonValueKind.Object)
            {
                if (required) throw Missing(name);
                return new Link("none", 0, 0);
            }
            double Gbps(string field) => Within(NumOr(l, field, 0, name + "." + field), HardwareLimits.MaxBandwidthGbps, name + "." + field, " GB/s", HardwareLimits.MinBandwidthGbps);
            var bw = Gbps("unidirectional_gbps") * 1e9;
            if (required && bw <= 0) throw Missing(name + ".unidirectional_gbps");
            return new Link(OptStr(l, "name", name + ".name") ?? name, bw,
                Within(NumOr(l, "latency_us", 0, name + ".latency_us"), HardwareLimits.MaxMicroseconds, name + ".latency_us", " us") * 1e-6,
                AllToAll(l, name),
                Gbps("peer_unidirectional_gbps") * 1e9);
        }

        var sources = d.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : Array.Empty<string>();
        var gemmFraction = new Dictionary<MathType, double>();
        double hbmFraction = 0;
        var collectiveCurves = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<int, MeasuredCurve>>>(StringComparer.Ordinal);
        // measured.KIND (all_reduce, all_gather, ...): per implementation and GPU count, [bytes, us] points.
        Dictionary<string, IReadOnlyDictionary<int, MeasuredCurve>> CurveSets(JsonElement measured, string kind)
        {
            var result = new Dictionary<string, IReadOnlyDictionary<int, MeasuredCurve>>(StringComparer.Ordinal);
            if (measured.TryGetProperty(kind, out var ar) && ar.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw Missing($"measured.{kind} (an object)");
            if (ar.ValueKind != JsonValueKind.Object) return result;
            foreach (var impl in ar.EnumerateObject())
            {
                var byGroup = new Dictionary<int, MeasuredCurve>();
                if (impl.Value.ValueKind != JsonValueKind.Object) throw new HardwareFileException($"{where}: measured.{kind}.{impl.Name} must map GPU counts to [bytes, us] points");
                foreach (var g in impl.Value.EnumerateObject())
                {
                    if (!int.TryParse(g.Name, out var gpus) || gpus < 2 || g.Value.ValueKind != JsonValueKind.Array)
                        throw new HardwareFileException($"{where}: measured.{kind}.{impl.Name}.{g.Name}: expected a GPU count >= 2 with a list of [bytes, us] points");
                    var points = new List<(double, double)>();
                    foreach (var pt in g.Value.EnumerateArray())
                    {
                        if (pt.ValueKind != JsonValueKind.Array || pt.GetArrayLength() != 2 || pt[0].ValueKind != JsonValueKind.Number || pt[1].ValueKind != JsonValueKind.Number
                            || !(pt[0].GetDouble() > 0 && double.IsFinite(pt[0].GetDouble())) || !(pt[1].GetDouble() > 0 && double.IsFinite(pt[1].GetDouble() * 1e-6)))
                            throw new HardwareFileException($"{where}: measured.{kind}.{impl.Name}.{g.Name}: each point is [bytes, us], both positive");
                        points.Add((pt[0].GetDouble(), pt[1].GetDouble() * 1e-6));
                    }
                    if (points.Count > 0) byGroup[gpus] = new MeasuredCurve(points);
                }
                result[impl.Name] = byGroup;
            }
            return result;
        }
        IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>> fixedLatency = new Dictionary<string, IReadOnlyDictionary<MathType, double>>();
        var engineFixed = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>(StringComparer.Ordinal);
        var rowSeconds = new Dictionary<string, IReadOnlyDictionary<MathType, double>>(StringComparer.Ordinal);
        var engineRow = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>(StringComparer.Ordinal);
        var tokenSeconds = new Dictionary<string, IReadOnlyDictionary<MathType, double>>(StringComparer.Ordinal);
        var engineToken = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>(StringComparer.Ordinal);
        var expertSeconds = new Dictionary<string, IReadOnlyDictionary<MathType, double>>(StringComparer.Ordinal);
        var engineExpert = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>(StringComparer.Ordinal);
        var copySeconds = new Dictionary<string, IReadOnlyDictionary<MathType, double>>(StringComparer.Ordinal);
        var engineCopy = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>(StringComparer.Ordinal);
        var kSeconds = new Dictionary<string, IReadOnlyDictionary<MathType, double>>(StringComparer.Ordinal);
        var engineK = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>(StringComparer.Ordinal);
        // fixed_us of an object (the device's default, TensorRT-LLM's, or an engine's): seconds by kernel kind and format.
        Dictionary<string, IReadOnlyDictionary<MathType, double>> FixedLatencies(JsonElement owner, string path) =>
            ByKindAndFormat(owner, path, "fixed_us", "microseconds", " us", 1e-6);
        // row_ps and token_ps (the same owners): seconds per token-expert pair, or per input token, and hidden element, by
        // kernel kind and format; k_ps: seconds per reduction element of a GEMM (its serial walk over K at a few rows).
        Dictionary<string, IReadOnlyDictionary<MathType, double>> PerElement(JsonElement owner, string path, string key) =>
            ByKindAndFormat(owner, path, key, "picoseconds", " ps", 1e-12);
        // expert_ns and copy_ns (the same owners): seconds per active expert, or per token-expert copy, by kernel kind and format.
        Dictionary<string, IReadOnlyDictionary<MathType, double>> Nanoseconds(JsonElement owner, string path, string key) =>
            ByKindAndFormat(owner, path, key, "nanoseconds", " ns", 1e-9);
        Dictionary<string, IReadOnlyDictionary<MathType, double>> ByKindAndFormat(JsonElement owner, string path, string key, string unitName, string unit, double toSeconds)
        {
            var result = new Dictionary<string, IReadOnlyDictionary<MathType, double>>(StringComparer.Ordinal);
            if (owner.TryGetProperty(key, out var fx) && fx.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw Missing($"{path}.{key} (an object of kernel kinds)");
            if (fx.ValueKind != JsonValueKind.Object) return result;
            foreach (var kind in fx.EnumerateObject())
            {
                if (kind.Value.ValueKind != JsonValueKind.Object) throw new HardwareFileException($"{where}: {path}.{key}.{kind.Name} must map weight formats to {unitName}");
                var byFormat = new Dictionary<MathType, double>();
                foreach (var f in kind.Value.EnumerateObject())
                {
                    var type = Math(f.Name, where, $"{path}.{key}.{kind.Name}", MathType.All);
                    if (f.Value.ValueKind != JsonValueKind.Null) // null: not measured, as absent (not 0)
                        byFormat[type] = Within(NumOr(kind.Value, f.Name, 0, $"{path}.{key}.{kind.Name}.{f.Name}"),
                            HardwareLimits.MaxMicroseconds, $"{path}.{key}.{kind.Name}.{f.Name}", unit) * toSeconds;
                }
                result[kind.Name] = byFormat;
            }
            return result;
        }
        IReadOnlyDictionary<string, double> scanFraction = new Dictionary<string, double>();
        AttentionLaw? attention = null, mla = null;
        var engineAttention = new Dictionary<string, AttentionLaw>(StringComparer.Ordinal);
        var engineScan = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        // scan_fraction of an object (the device's, TensorRT-LLM's, or an engine's): the share of the BF16 peak a chunked
        // recurrent scan reaches, by kernel kind.
        Dictionary<string, double> ScanFractions(JsonElement owner, string path)
        {
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            if (owner.TryGetProperty("scan_fraction", out var sf) && sf.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw Missing($"{path}.scan_fraction (an object of kernel kinds)");
            if (sf.ValueKind != JsonValueKind.Object) return result;
            foreach (var p in sf.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Null) continue; // not measured, as absent
                var f = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
                if (HardwareLimits.FractionProblem(f) is { } why) throw new HardwareFileException($"{where}: {path}.scan_fraction.{p.Name} {why}");
                result[p.Name] = f;
            }
            return result;
        }
        if (d.TryGetProperty("measured", out var ms) && ms.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            throw Missing("measured (an object)");
        if (ms.ValueKind == JsonValueKind.Object)
        {
            if (ms.TryGetProperty("gemm_fraction", out var gf) && gf.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw Missing("measured.gemm_fraction (an object of fractions)");
            if (gf.ValueKind == JsonValueKind.Object)
                foreach (var p in gf.EnumerateObject())
                {
                    var type = Math(p.Name, where, "measured.gemm_fraction", MathType.WithPeaks);
                    if (p.Value.ValueKind != JsonValueKind.Null)
                    {
                        var f = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
                        if (HardwareLimits.FractionProblem(f) is { } why) throw new HardwareFileException($"{where}: measured.gemm_fraction.{p.Name} {why}");
                        gemmFraction[type] = f;
                    }
                }
            hbmFraction = NumOr(ms, "hbm_fraction", 0, "measured.hbm_fraction");
            foreach (var kind in Device.MeasuredCollectives)
                collectiveCurves[kind] = CurveSets(ms, kind);
            // 0 (or absent): not measured, the catalog's typical share stands in.
            if (hbmFraction != 0 && HardwareLimits.FractionProblem(hbmFraction) is { } hbmWhy) throw new HardwareFileException($"{where}: measured.hbm_fraction {hbmWhy}");
            fixedLatency = FixedLatencies(ms, "measured");
            rowSeconds = PerElement(ms, "measured", "row_ps");
            tokenSeconds = PerElement(ms, "measured", "token_ps");
            expertSeconds = Nanoseconds(ms, "measured", "expert_ns");
            copySeconds = Nanoseconds(ms, "measured", "copy_ns");
            kSeconds = PerElement(ms, "measured", "k_ps");
            if (ms.TryGetProperty("engines", out var en) && en.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw Missing("measured.engines (an object of serving engines)");
            if (en.ValueKind == JsonValueKind.Object)
                foreach (var engine in en.EnumerateObject())
                {
                    if (engine.Value.ValueKind != JsonValueKind.Object) throw new HardwareFileException($"{where}: measured.engines.{engine.Name} must be an object");
                    engineFixed[engine.Name] = FixedLatencies(engine.Value, $"measured.engines.{engine.Name}");
                    engineRow[engine.Name] = PerElement(engine.Value, $"measured.engines.{engine.Name}", "row_ps");
                    engineToken[engine.Name] = PerElement(engine.Value, $"measured.engines.{engine.Name}", "token_ps");
                    engineExpert[engine.Name] = Nanoseconds(engine.Value, $"measured.engines.{engine.Name}", "expert_ns");
                    engineCopy[engine.Name] = Nanoseconds(engine.Value, $"measured.engines.{engine.Name}", "copy_ns");
                    engineK[engine.Name] = PerElement(engine.Value, $"measured.engines.{engine.Name}", "k_ps");
                    engineScan[engine.Name] = ScanFractions(engine.Value, $"measured.engines.{engine.Name}");
                    if (AttentionLaw.Read(engine.Value, $"measured.engines.{engine.Name}", Bad) is { } law)
                        engineAttention[engine.Name] = law;
                }
            scanFraction = ScanFractions(ms, "measured");
            attention = AttentionLaw.Read(ms, "measured", Bad);
            mla = AttentionLaw.Read(ms, "measured", Bad, MlaLaw.Key);
        }
        int gpusPerNode = IntOr(d, "gpus_per_node", 8, 1);
        string KnownHostCpu(string? cpu) => cpu is null ? ""
            : Device.HostCpus.FirstOrDefault(k => string.Equals(k, cpu, StringComparison.OrdinalIgnoreCase))
              ?? throw new HardwareFileException($"{where}: 'host_cpu' is '{cpu}', no host CPU family{GraphDsl.Ir.Suggest.DidYouMean(cpu, Device.HostCpus)}; known: {string.Join(", ", Device.HostCpus)}");
        return new Device(id, OptStr(d, "name") ?? id, OptStr(d, "vendor") ?? "",
            Within(Num(d, "memory_bytes"), HardwareLimits.MaxMemoryBytes, "memory_bytes", " bytes"),
            Within(Num(d, "hbm_bandwidth_gbps"), HardwareLimits.MaxBandwidthGbps, "hbm_bandwidth_gbps", " GB/s", HardwareLimits.MinBandwidthGbps) * 1e9, peaks,
            IntOr(d, "sm_count", 0, 0), ParseLink("intra_node", true), ParseLink("host_link", false), ParseLink("network", false),
            gpusPerNode, sources) { GpusPerHost = System.Math.Min(gpusPerNode, IntOr(d, "gpus_per_host", 0, 1)), GemmFraction = gemmFraction, HbmFraction = hbmFraction, Collectives = collectiveCurves, FixedLatency = fixedLatency,
                EngineFixedLatency = engineFixed, ScanFraction = scanFraction, EngineScanFraction = engineScan,
                HostCpu = KnownHostCpu(OptStr(d, "host_cpu")),
                RowSeconds = rowSeconds, EngineRowSeconds = engineRow, TokenSeconds = tokenSeconds, EngineTokenSeconds = engineToken,
                ExpertSeconds = expertSeconds, EngineExpertSeconds = engineExpert, CopySeconds = copySeconds, EngineCopySeconds = engineCopy, KSeconds = kSeconds, EngineKSeconds = engineK, Attention = attention,
                EngineAttention = engineAttention, Mla = mla };
    }
}

/// <summary>A device file that cannot be used; the message says which entry and field.</summary>
public sealed class HardwareFileException : Exception
{
    public HardwareFileException(string message) : base(message) { }
}
