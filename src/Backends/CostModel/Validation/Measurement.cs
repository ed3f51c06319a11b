using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>One published, measured inference figure (a row of tests/.../measurements.csv).</summary>
public sealed record Measurement(
    string Id, string Model, string Hardware, int Gpus, int Nodes, int? Tp, int? Pp, int? Ep, int? Dp,
    string Weights, string Kv, long? Batch, long? Prompt, long? Output, string Metric, double Value, string Unit,
    string Engine, string Use, string Source, string Notes)
{
    public bool IsCalibration => Use == "C";

    /// <summary>Redundant expert slots of the deployment (EPLB replicas), from the optional <c>redundant</c> column.</summary>
    public int Redundant { get; init; }

    /// <summary>How the engine was driven (optional <c>workload</c> column): "static" (a fixed batch that starts together, the
    /// default), "concurrency" (closed-loop serving: <see cref="Batch"/> clients, each sending its next request when the last
    /// completes, as benchmark_serving's --max-concurrency does), or "engine" (as many requests as the engine takes at once).</summary>
    public string Workload { get; init; } = "static";

    /// <summary>The engine family a profile is fitted for: gpt-fast, trtllm, fastertransformer, vllm; "" when none.</summary>
    public string EngineFamily
    {
        get
        {
            var e = Engine.ToLowerInvariant();
            if (e.Contains("gpt-fast")) return "gpt-fast";
            if (e.Contains("tensorrt")) return "trtllm";
            if (e.Contains("fastertransformer")) return "fastertransformer";
            if (e.Contains("vllm")) return "vllm";
            if (e.Contains("sglang")) return "sglang";
            return "";
        }
    }

    /// <summary>The largest measurements file read: the published dataset is under 100 KB (about 300 rows);
    /// 16 MiB holds some 50,000 rows.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>Reads the dataset (RFC 4180 CSV with a header row).</summary>
    public static IReadOnlyList<Measurement> Load(string path)
    {
        var rows = Csv.Parse(GraphDsl.Ir.Files.InputFile.ReadAllText(path, MaxFileBytes, "a measurements CSV"));
        var header = rows[0];
        int Col(string name) => Array.IndexOf(header, name) is var i && i >= 0 ? i : throw new InvalidDataException($"{path}: no column '{name}'");
        string Get(string[] r, string name) => Col(name) < r.Length ? r[Col(name)].Trim() : "";
        // Optional columns: absent from older files, empty where a row does not say.
        string Opt(string[] r, string name) => Array.IndexOf(header, name) is var i && i >= 0 && i < r.Length ? r[i].Trim() : "";
        int? Int(string[] r, string name) => int.TryParse(Get(r, name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        long? Long(string[] r, string name) => long.TryParse(Get(r, name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        var list = new List<Measurement>();
        foreach (var r in rows.Skip(1).Where(r => r.Length > 1))
        {
            list.Add(new Measurement(Get(r, "id"), Get(r, "model"), Get(r, "hardware"), Int(r, "gpus") ?? 1, Int(r, "nodes") ?? 1,
                Int(r, "tp"), Int(r, "pp"), Int(r, "ep"), Int(r, "dp"), Get(r, "weights"), Get(r, "kv"), Long(r, "batch"), Long(r, "prompt"), Long(r, "output"),
                Get(r, "metric"), double.Parse(Get(r, "value"), CultureInfo.InvariantCulture), Get(r, "unit"), Get(r, "engine"), Get(r, "use"),
                Get(r, "source"), Get(r, "notes"))
            {
                Redundant = int.TryParse(Opt(r, "redundant"), NumberStyles.None, CultureInfo.InvariantCulture, out var red) ? red : 0,
                Workload = Opt(r, "workload") is { Length: > 0 } wl ? wl : "static",
            });
        }
        return list;
    }
}

/// <summary>Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, newlines inside quotes).</summary>
public static class Csv
{
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': row.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n': row.Add(field.ToString()); field.Clear(); rows.Add(row.ToArray()); row.Clear(); break;
                default: field.Append(c); break;
            }
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row.ToArray()); }
        return rows;
    }
}
