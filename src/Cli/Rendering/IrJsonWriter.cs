using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Cli.Rendering;

/// <summary>The IR as JSON (<c>compile --emit json</c>), for tools that do not read the textual form:
/// the same content, values numbered as the printer numbers them.</summary>
public static class IrJsonWriter
{
    public static string Write(Module m)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("module", m.Name);
            w.WriteStartObject("params");
            foreach (var p in m.Params) w.WriteString(p.Name, p.Value.ToString());
            w.WriteEndObject();
            w.WriteStartArray("symbols");
            foreach (var s in m.Symbols) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteStartArray("functions");
            foreach (var f in m.Functions)
            {
                var ids = new Dictionary<Value, int>();
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                WriteArgs(w, f.Body, ids);
                w.WriteStartArray("results");
                foreach (var t in f.ResultTypes) w.WriteStringValue(t.ToString());
                w.WriteEndArray();
                WriteOps(w, f.Body, ids);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("graph");
            WriteOps(w, m.Body, new Dictionary<Value, int>());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static int Id(Dictionary<Value, int> ids, Value v)
    {
        if (!ids.TryGetValue(v, out var id)) { id = ids.Count; ids[v] = id; }
        return id;
    }

    private static void WriteArgs(Utf8JsonWriter w, Region r, Dictionary<Value, int> ids)
    {
        w.WriteStartArray("arguments");
        foreach (var a in r.Arguments)
        {
            w.WriteStartObject();
            w.WriteNumber("id", Id(ids, a));
            w.WriteString("type", a.Type.ToString());
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteOps(Utf8JsonWriter w, Region r, Dictionary<Value, int> ids)
    {
        w.WriteStartArray("ops");
        foreach (var op in r.Ops)
        {
            w.WriteStartObject();
            w.WriteString("op", op.Name);
            w.WriteStartArray("results");
            foreach (var v in op.Results)
            {
                w.WriteStartObject();
                w.WriteNumber("id", Id(ids, v));
                w.WriteString("type", v.Type.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("operands");
            for (int i = 0; i < op.Slots.Count; i++)
            {
                if (op.Slots[i] is not { } v) continue;
                var spec = op.Def.Operands[System.Math.Min(i, op.Def.Operands.Count - 1)];
                var key = spec.Kind == OperandKind.Variadic ? spec.Name + "." + (i - (op.Def.Operands.Count - 1)) : spec.Name;
                w.WriteNumber(key, Id(ids, v));
            }
            w.WriteEndObject();
            w.WriteStartObject("attributes");
            foreach (var kv in op.Attributes) w.WriteString(kv.Key, kv.Value is StrAttr s ? s.Value : kv.Value.ToString());
            w.WriteEndObject();
            if (!op.Span.IsNone) w.WriteString("loc", op.Span.ToString());
            if (op.Regions.Count > 0)
            {
                w.WriteStartArray("regions");
                foreach (var region in op.Regions)
                {
                    w.WriteStartObject();
                    WriteArgs(w, region, ids);
                    WriteOps(w, region, ids);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
