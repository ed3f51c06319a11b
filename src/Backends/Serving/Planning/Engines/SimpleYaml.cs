using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// The YAML subset the exports write: nested mappings indented by two spaces, scalar values (plain or double-quoted),
/// and lists of scalars (<c>- item</c>) under a key. <see cref="Write"/> renders a <see cref="Map"/> (keys in the order
/// added; booleans and integers plain, strings quoted where YAML would read them as something else); <see cref="Read"/>
/// turns a file of this subset into its leaves by dotted path, which is how the exports are checked.
/// </summary>
public static class SimpleYaml
{
    /// <summary>A mapping node: keys in the order added; values are strings, string lists or nested mappings.</summary>
    public sealed class Map : List<(string Key, object Value)>
    {
        public Map Set(string key, object value) { Add((key, value)); return this; }
        public Map Child(string key) { var m = new Map(); Add((key, m)); return m; }
    }

    /// <summary>YAML's null, written plain (<c>key: null</c>): how an option whose default is on is turned off.</summary>
    public static readonly object Null = new NullValue();

    private sealed class NullValue;

    public static string Write(Map root)
    {
        var sb = new StringBuilder();
        Write(root, 0, sb);
        return sb.ToString();
    }

    private static void Write(Map map, int indent, StringBuilder sb)
    {
        var pad = new string(' ', indent);
        foreach (var (key, value) in map)
        {
            switch (value)
            {
                case Map m: sb.Append(pad).Append(key).Append(":\n"); Write(m, indent + 2, sb); break;
                case IEnumerable<string> list when value is not string:
                    sb.Append(pad).Append(key).Append(":\n");
                    foreach (var item in list) sb.Append(pad).Append("  - ").Append(Scalar(item)).Append('\n');
                    break;
                case NullValue: sb.Append(pad).Append(key).Append(": null\n"); break;
                case bool b: sb.Append(pad).Append(key).Append(": ").Append(b ? "true" : "false").Append('\n'); break;
                case int or long: sb.Append(pad).Append(key).Append(": ").Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n'); break;
                default: sb.Append(pad).Append(key).Append(": ").Append(Scalar(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")).Append('\n'); break;
            }
        }
    }

    /// <summary>Plain when YAML would read it back as the same string; else double-quoted, with a control, format or
    /// line-breaking character as its <c>\uXXXX</c> escape (a raw one would be folded, or end the line, for YAML's readers:
    /// <see cref="ExportText.IsUnsafe"/>).</summary>
    private static string Scalar(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./".Contains(c)) && !s.StartsWith('-') && !char.IsDigit(s[0]) && s is not ("true" or "false" or "null"))
            return s;
        var sb = new StringBuilder("\"");
        foreach (var c in s)
            if (c is '\\' or '"') sb.Append('\\').Append(c);
            else if (ExportText.IsUnsafe(c)) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        return sb.Append('"').ToString();
    }

    /// <summary>Leaves by dotted path: a scalar as one string, a list as its items; null with the line and reason when the
    /// text leaves the subset.</summary>
    public static Dictionary<string, List<string>>? Read(string text, out string? problem)
    {
        var leaves = new Dictionary<string, List<string>>();
        var path = new List<(int Indent, string Key)>();
        string? listKey = null;
        int listIndent = -1;
        // Lines end where YAML 1.1's readers end them, not only at '\n' (ExportText.YamlLineBreaks), so the check sees the keys
        // an engine would read.
        var lines = text.Split(ExportText.YamlLineBreaks);
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            int indent = line.Length - line.TrimStart().Length;
            var body = line.Trim();
            if (body.StartsWith("- ", StringComparison.Ordinal))
            {
                if (listKey is null || indent <= listIndent) { problem = $"line {n + 1}: a list item outside a list"; return null; }
                leaves[listKey].Add(Unquote(body[2..].Trim()));
                continue;
            }
            int colon = body.IndexOf(':');
            if (colon <= 0) { problem = $"line {n + 1}: expected 'key: value'"; return null; }
            while (path.Count > 0 && path[^1].Indent >= indent) path.RemoveAt(path.Count - 1);
            var key = body[..colon];
            var full = string.Join(".", path.Select(p => p.Key).Append(key));
            var rest = body[(colon + 1)..].Trim();
            listKey = null;
            if (rest.Length == 0)
            {
                path.Add((indent, key));
                // A key with nothing after it holds a mapping or a list; a list's items follow at a deeper indent.
                leaves[full] = new List<string>();
                listKey = full; listIndent = indent;
                continue;
            }
            if (leaves.ContainsKey(full)) { problem = $"line {n + 1}: '{full}' is given twice"; return null; }
            leaves[full] = new List<string> { Unquote(rest) };
        }
        // Keys that held a mapping are not leaves.
        foreach (var k in leaves.Where(l => l.Value.Count == 0).Select(l => l.Key).ToList()) leaves.Remove(k);
        problem = null;
        return leaves;
    }

    /// <summary>A scalar's text: a double-quoted one with its escapes (<c>\\</c>, <c>\"</c>, <c>\uXXXX</c>) undone.</summary>
    private static string Unquote(string s)
    {
        if (s.Length < 2 || s[0] != '"' || s[^1] != '"') return s;
        var sb = new StringBuilder();
        for (int i = 1; i < s.Length - 1; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length - 1) { sb.Append(s[i]); continue; }
            char e = s[++i];
            if (e == 'u' && i + 4 < s.Length - 1 && int.TryParse(s.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            { sb.Append((char)code); i += 4; }
            else sb.Append(e);
        }
        return sb.ToString();
    }
}
