using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Import.Json;

/// <summary>
/// Reads JSON into <see cref="JsonNode"/>s that remember where each value and member name was written
/// (System.Text.Json's documents do not). Syntax errors, duplicate member names and nesting deeper than
/// <see cref="MaxDepth"/> become a <see cref="ConfigException"/> located at the offending byte.
/// </summary>
public static class LocatedJsonReader
{
    /// <summary>HF configs nest three or four levels (text_config.rope_scaling); 64 is System.Text.Json's default.</summary>
    public const int MaxDepth = 64;

    public static JsonNode Read(byte[] utf8, string path)
    {
        var lines = new LineMap(utf8, path);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read()) throw new ConfigException(DiagnosticCatalog.BadConfigJson.At(lines.At(0, 1), path, "the file is empty"));
            var root = ReadValue(ref reader, lines, path);
            if (reader.Read()) throw new ConfigException(DiagnosticCatalog.BadConfigJson.At(lines.At(reader.TokenStartIndex, 1), path, "more JSON after the end of the document"));
            return root;
        }
        catch (JsonException e)
        {
            // The reader's position is a line and a byte within it; the message already names both, so keep its first sentence.
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            var message = e.Message.Split(new[] { " LineNumber:" }, StringSplitOptions.None)[0].TrimEnd('.', ' ');
            throw new ConfigException(DiagnosticCatalog.BadConfigJson.At(SourceSpan.At(path, line, column), path, message));
        }
    }

    private static JsonNode ReadValue(ref Utf8JsonReader reader, LineMap lines, string path)
    {
        long start = reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var members = new List<JsonMember>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var nameSpan = lines.At(reader.TokenStartIndex, name.Length + 2);
                    if (!seen.Add(name)) throw new ConfigException(DiagnosticCatalog.BadConfigJson.At(nameSpan, path, $"'{name}' is given twice"));
                    reader.Read();
                    members.Add(new JsonMember(name, nameSpan, ReadValue(ref reader, lines, path)));
                }
                return new JsonObject(members, lines.At(start, 1));
            }
            case JsonTokenType.StartArray:
            {
                var items = new List<JsonNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(ReadValue(ref reader, lines, path));
                return new JsonArray(items, lines.At(start, 1));
            }
            case JsonTokenType.String:
            {
                var s = reader.GetString()!;
                return new JsonString(s, lines.At(start, (int)(reader.BytesConsumed - start)));
            }
            case JsonTokenType.Number:
            {
                var text = Encoding.UTF8.GetString(reader.ValueSpan.ToArray());
                double value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                return new JsonNumber(text, value, lines.At(start, text.Length));
            }
            case JsonTokenType.True: return new JsonBool(true, lines.At(start, 4));
            case JsonTokenType.False: return new JsonBool(false, lines.At(start, 5));
            default: return new JsonNull(lines.At(start, 4));
        }
    }

    /// <summary>Byte offsets to 1-based lines and (character) columns.</summary>
    private sealed class LineMap
    {
        private readonly byte[] _bytes;
        private readonly List<int> _starts = new() { 0 };
        private readonly string _path;

        public LineMap(byte[] bytes, string path)
        {
            _bytes = bytes; _path = path;
            for (int i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'\n') _starts.Add(i + 1);
        }

        public SourceSpan At(long offset, int length)
        {
            int index = _starts.BinarySearch((int)offset);
            int line = index >= 0 ? index : ~index - 1;
            int column = Encoding.UTF8.GetCharCount(_bytes, _starts[line], (int)offset - _starts[line]) + 1;
            return SourceSpan.At(_path, line + 1, column, length, (int)offset);
        }
    }
}
