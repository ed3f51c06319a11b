using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// Where in a JSON input file a reader's error points. The readers (the hardware catalog) check a parsed
/// <see cref="JsonDocument"/>, whose elements carry no positions, and name the place in their message instead: the
/// parser's "LineNumber: L | BytePositionInLine: B" for malformed JSON, else a path such as <c>devices[2] ('id'):
/// measured.hbm_fraction must be in (0, 1]</c>. This walks the file's tokens to the deepest node of that path that exists
/// (the field, else the device object, else the file's start), so the diagnostic says file:line:col as every other input's
/// does. Best effort by design: a message that names no path still gets the device or the file's start, never a wrong
/// field, because only nodes of the named path are matched.
/// </summary>
internal static partial class JsonErrorSpan
{
    /// <summary>The span the error <paramref name="message"/> of <paramref name="file"/> (whose bytes are
    /// <paramref name="bytes"/>) points at, and the message without its leading "file: ", which the span then carries.</summary>
    public static (SourceSpan Span, string Message) Locate(string file, byte[] bytes, string message)
    {
        var rest = message.StartsWith(file + ": ", StringComparison.Ordinal) ? message[(file.Length + 2)..] : message;
        int bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        long offset = ParserPosition(bytes, bom, rest) ?? Deepest(bytes, bom, PathOf(rest));
        return (SpanAt(file, bytes, bom, offset), rest);
    }

    /// <summary>The path segments a reader's message names: <c>devices[N]</c> as "devices", "#N", then the field it
    /// reports (a quoted name, the dotted path that opens the message, or the field after "in").</summary>
    internal static List<string> PathOf(string rest)
    {
        var path = new List<string>();
        var device = DevicePrefix().Match(rest);
        if (device.Success)
        {
            path.Add("devices");
            path.Add("#" + device.Groups[1].Value);
            rest = rest[device.Length..];
        }
        var field = UnknownKeyIn().Match(rest) is { Success: true } m ? m.Groups[2].Value + "." + m.Groups[1].Value
            : QuotedField().Match(rest) is { Success: true } q ? q.Groups[1].Value
            : LeadingPath().Match(rest) is { Success: true } l ? l.Groups[1].Value : "";
        foreach (var segment in field.Split('.', StringSplitOptions.RemoveEmptyEntries)) path.Add(segment);
        return path;
    }

    /// <summary>The byte offset of the parser's own position for malformed JSON (System.Text.Json's 0-based line and
    /// byte-in-line), or null when the message is not the parser's.</summary>
    private static long? ParserPosition(byte[] bytes, int bom, string rest)
    {
        var m = ParserLocation().Match(rest);
        if (!m.Success || !long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var line)
            || !long.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var column)) return null;
        long at = bom;
        for (long l = 0; l < line && at < bytes.Length; at++) if (bytes[at] == (byte)'\n') l++;
        return Math.Min(bytes.Length, at + column);
    }

    /// <summary>The byte offset of the deepest node along <paramref name="path"/> ("#N" is an array's N-th element):
    /// a property's name, or an element's first token; the file's start when not even the first segment exists.</summary>
    internal static long Deepest(byte[] bytes, int bom, IReadOnlyList<string> path)
    {
        var reader = new Utf8JsonReader(bytes.AsSpan(bom), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // One frame per open container: whether the containers down to it follow the path, and the next element's index.
        var frames = new List<(bool OnPath, bool Array, int Next)>();
        string? key = null;
        long best = bom;
        int bestDepth = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        key = reader.GetString();
                        if (Follows(frames, path, key)) Note(frames.Count, reader.TokenStartIndex);
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        continue;
                }
                string? segment = key;
                if (frames.Count > 0 && frames[^1].Array)
                {
                    segment = "#" + frames[^1].Next.ToString(CultureInfo.InvariantCulture);
                    frames[^1] = frames[^1] with { Next = frames[^1].Next + 1 };
                }
                bool onPath = frames.Count == 0 || Follows(frames, path, segment);
                if (onPath && frames.Count > 0 && frames[^1].Array) Note(frames.Count, reader.TokenStartIndex);
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    frames.Add((onPath, reader.TokenType == JsonTokenType.StartArray, 0));
            }
        }
        catch (JsonException) { }  // malformed after the node: what was found stands
        return best;

        void Note(int depth, long at)
        {
            if (depth > bestDepth) (bestDepth, best) = (depth, bom + at);
        }
    }

    /// <summary>Whether a node named <paramref name="segment"/> inside the innermost open container lies on the path.</summary>
    private static bool Follows(List<(bool OnPath, bool Array, int Next)> frames, IReadOnlyList<string> path, string? segment)
    {
        int depth = frames.Count;  // the node's 1-based depth below the root
        return depth >= 1 && depth <= path.Count && frames[^1].OnPath && segment == path[depth - 1];
    }

    /// <summary>The line and column (1-based, in characters as an editor counts them, after any byte-order mark) of a byte offset.</summary>
    private static SourceSpan SpanAt(string file, byte[] bytes, int bom, long offset)
    {
        int end = (int)Math.Clamp(offset, bom, bytes.Length);
        var before = Encoding.UTF8.GetString(bytes, bom, end - bom);
        int line = 1 + before.AsSpan().Count('\n');
        int column = before.Length - (before.LastIndexOf('\n') + 1) + 1;
        return SourceSpan.At(file, line, column);
    }

    [GeneratedRegex(@"^devices\[(\d+)\](?: \('(?:[^']|'')*'\))?: ")]
    private static partial Regex DevicePrefix();

    [GeneratedRegex(@"unknown [\w ]+ '([^']+)' in ([A-Za-z_][\w.]*)")]
    private static partial Regex UnknownKeyIn();

    [GeneratedRegex(@"^(?:missing or invalid )?'([A-Za-z_][\w.]*)")]
    private static partial Regex QuotedField();

    [GeneratedRegex(@"^([A-Za-z_][\w]*(?:\.[\w]+)+)")]
    private static partial Regex LeadingPath();

    [GeneratedRegex(@"LineNumber: (\d+) \| BytePositionInLine: (\d+)")]
    private static partial Regex ParserLocation();
}
