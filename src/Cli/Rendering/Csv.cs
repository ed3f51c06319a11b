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
/// this project's platforms read both). A text cell that a spreadsheet would run as a formula (it starts with =, +, -, @,
/// a tab or a carriage return and is not a number or a lone sign) gets a leading apostrophe, so a model, device or measurement id from
/// a user's file (<c>=cmd|' /C calc'!A1</c>) reads as text when the CSV is opened (OWASP's CSV injection advice).
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
        Quoted q => "\"" + Defused(q.Text).Replace("\"", "\"\"") + "\"",
        string s => Escape(Defused(s)),
        bool b => b ? "true" : "false",
        double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "",
        float f => float.IsFinite(f) ? f.ToString("R", CultureInfo.InvariantCulture) : "",
        IFormattable x => Escape(x.ToString(null, CultureInfo.InvariantCulture)),
        _ => Escape(value.ToString() ?? ""),
    };

    /// <summary>The text with an apostrophe before it where a spreadsheet would take it for a formula; numbers
    /// written as text (<c>-0.25</c>) and a lone sign (<c>-</c>, no figure) are left alone.</summary>
    private static string Defused(string s) =>
        s.Length > 1 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? "'" + s : s;

    private static string Escape(string s) =>
        s.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 || (s.Length > 0 && (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])))
            ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
