using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace GraphDsl.Cli.Rendering;

/// <summary>
/// The one writer of every command's <c>--format csv</c>: a header row, then rows of exactly as many cells; a cell is
/// quoted as RFC 4180 says (when it holds a comma, a quote, a line break or leading or trailing space; quotes doubled);
/// numbers in the invariant culture, doubles as their shortest round-trip text and non-finite ones (and null) as an
/// empty cell; booleans as true/false. Units are in the column names (<c>memory_gb</c> is 10^9 bytes, <c>_ms</c>
/// milliseconds); counts are plain numbers. Lines end with "\n" (RFC 4180's CRLF is optional for readers; tools on
/// this project's platforms read both).
/// </summary>
public sealed class Csv
{
    private readonly StringBuilder _text = new();
    private readonly int _columns;

    public Csv(IEnumerable<string> header)
    {
        var names = header.ToList();
        _columns = names.Count;
        Line(names.Cast<object?>());
    }

    /// <summary>A cell written quoted whatever it holds (for columns that were always quoted, such as sweep's passes).</summary>
    public readonly record struct Quoted(string Text);

    /// <summary>Adds one row; its cells must match the header one for one.</summary>
    public Csv Row(params object?[] cells) => Row((IEnumerable<object?>)cells);

    public Csv Row(IEnumerable<object?> cells)
    {
        var list = cells.ToList();
        if (list.Count != _columns) throw new ArgumentException($"a CSV row of {list.Count} cells under a header of {_columns}");
        Line(list);
        return this;
    }

    public override string ToString() => _text.ToString();

    private void Line(IEnumerable<object?> cells)
    {
        _text.Append(string.Join(",", cells.Select(Cell))).Append('\n');
    }

    /// <summary>The text of one cell (see the class comment).</summary>
    public static string Cell(object? value) => value switch
    {
        null => "",
        Quoted q => "\"" + q.Text.Replace("\"", "\"\"") + "\"",
        string s => Escape(s),
        bool b => b ? "true" : "false",
        double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "",
        float f => float.IsFinite(f) ? f.ToString("R", CultureInfo.InvariantCulture) : "",
        IFormattable x => Escape(x.ToString(null, CultureInfo.InvariantCulture)),
        _ => Escape(value.ToString() ?? ""),
    };

    private static string Escape(string s) =>
        s.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 || (s.Length > 0 && (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])))
            ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
