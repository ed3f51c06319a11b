using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Backends.CostModel;

/// <summary>
/// Parses the JSON input files of the cost model (hardware, routing statistics, placement plans, engine maps).
/// System.Text.Json accepts a document whose strings hold invalid UTF-8 or an unpaired surrogate escape
/// (<c>"\ud800"</c>) and throws only when such a string is read; every string and property name is decoded once
/// here, so a reader sees either a document it can read or an error naming the place. A property given twice in one
/// object is refused there too: the readers took the last, and a file that said "model": "Mixtral_8x22B" first and
/// "model": "Mixtral_8x7B" at its end had its statistics applied to the other model. Public because expert placement
/// (GraphDsl.Backends.Placement) reads its plan and engine-map files through it too.
/// </summary>
public static class JsonInput
{
    public static JsonDocument Parse(Stream stream, string source, Func<string, Exception> bad, JsonDocumentOptions options = default)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream, options); }
        catch (JsonException e) { throw bad($"{source}: not valid JSON: {e.Message}"); }
        return Checked(doc, source, bad);
    }

    public static JsonDocument Parse(string text, string source, Func<string, Exception> bad, JsonDocumentOptions options = default)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, options); }
        catch (JsonException e) { throw bad($"{source}: not valid JSON: {e.Message}"); }
        return Checked(doc, source, bad);
    }

    private static JsonDocument Checked(JsonDocument doc, string source, Func<string, Exception> bad)
    {
        try { CheckStrings(doc.RootElement, "", source, bad); }
        catch { doc.Dispose(); throw; }
        return doc;
    }

    /// <summary>Decodes each string and property name and checks that no object names a property twice (the depth is
    /// bounded by the parser's MaxDepth, 64 by default).</summary>
    private static void CheckStrings(JsonElement e, string path, string source, Func<string, Exception> bad)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                Decode(() => e.GetString(), path, source, bad);
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) CheckStrings(item, $"{path}[{i++}]", source, bad);
                break;
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject())
                {
                    var raw = Decode(() => p.Name, path.Length == 0 ? "a property name" : path + ": a property name", source, bad);
                    var name = Shown(raw);
                    if (!seen.Add(raw))
                        throw bad($"{source}: {(path.Length == 0 ? "" : path + ": ")}the property \"{name}\" is given twice; give it once");
                    CheckStrings(p.Value, path.Length == 0 ? name : path + "." + name, source, bad);
                }
                break;
        }
    }

    /// <summary>A property name as the messages print it: escaped as JSON writes it (\u001B for ESC) where it holds a
    /// character a terminal would act on (<see cref="PrintableText.IsUnprintable"/>).</summary>
    private static string Shown(string name) =>
        name.Any(PrintableText.IsUnprintable) ? JsonEncodedText.Encode(name).ToString() : name;

    private static string Decode(Func<string?> read, string path, string source, Func<string, Exception> bad)
    {
        try { return read() ?? ""; }
        catch (InvalidOperationException) // only the transcoding of this one string can fail here
        {
            throw bad($"{source}: {(path.Length == 0 ? "the document" : path)}: a string that is not valid Unicode (invalid UTF-8, or an unpaired surrogate escape such as \\ud800)");
        }
    }
}
