using System;
using System.Globalization;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Specs;

/// <summary>
/// A cursor over one command-line spec (<c>--workload poisson:rate=2,prompt=1024,output=128</c>,
/// <c>--scheduler chunked{budget=512}</c>): it reads names, numbers and punctuation, and reports what is wrong at its
/// column, as a pipeline's errors are (<c>&lt;workload&gt;:1:14: error GD0630: ...</c>). The first error stops the
/// parse: a spec is one line a person just typed, and the first mistake is the one to fix.
/// </summary>
internal sealed class SpecReader
{
    private readonly string _text;
    private readonly string _source;
    private readonly DiagnosticDescriptor _descriptor;
    private readonly DiagnosticBag _diagnostics;

    public SpecReader(string text, string source, DiagnosticDescriptor descriptor, DiagnosticBag diagnostics)
    {
        _text = text; _source = source; _descriptor = descriptor; _diagnostics = diagnostics;
    }

    public int Position { get; private set; }
    public bool Failed { get; private set; }
    public bool AtEnd => Position >= _text.Length;
    public char Peek => AtEnd ? '\0' : _text[Position];
    public string Text => _text;

    /// <summary>Reports <paramref name="message"/> at a 0-based column and marks the parse failed (only the first report is kept);
    /// under the spec's own diagnostic, or <paramref name="descriptor"/> for a part with its own (an instance layout).</summary>
    public void Error(int column, int length, string message, DiagnosticDescriptor? descriptor = null)
    {
        if (Failed) return;
        Failed = true;
        _diagnostics.Report(descriptor ?? _descriptor, SourceSpan.At(_source, 1, column + 1, Math.Max(1, length), column), message);
    }

    /// <summary>Reports at the cursor, over the rest of the current word.</summary>
    public void ErrorHere(string message) => Error(Position, Math.Max(1, WordLength()), message);

    public bool Accept(char c)
    {
        if (Peek != c) return false;
        Position++;
        return true;
    }

    public bool Expect(char c, string what)
    {
        if (Accept(c)) return true;
        ErrorHere(AtEnd ? $"expected '{c}' {what}, found the end of the spec" : $"expected '{c}' {what}, found '{Peek}'");
        return false;
    }

    /// <summary>A name of letters, digits and underscores (empty when there is none).</summary>
    public string Name()
    {
        int start = Position;
        while (!AtEnd && (char.IsLetterOrDigit(Peek) || Peek == '_')) Position++;
        return _text[start..Position];
    }

    /// <summary>A run of at most <paramref name="most"/> letters (empty when there is none): the words of <c>tp4x2</c>, which has
    /// no separators.</summary>
    public string Letters(int most)
    {
        int start = Position;
        while (!AtEnd && char.IsAsciiLetter(Peek) && Position - start < most) Position++;
        return _text[start..Position];
    }

    /// <summary>An integer from <paramref name="min"/> to <paramref name="max"/>; null after reporting.</summary>
    public long? Integer(string what, long min, long max, DiagnosticDescriptor? descriptor = null)
    {
        int start = Position;
        // A sign is read with the digits, so '-5' is out of range rather than not a number.
        if (Peek is '-' or '+') Position++;
        while (!AtEnd && char.IsDigit(Peek)) Position++;
        var token = _text[start..Position];
        if (token.Length == 0) { Error(start, WordLength(start), $"{what}: expected an integer, found {Found(start)}", descriptor); return null; }
        if (!long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            Error(start, token.Length, $"{what} must be an integer from {min} to {max}, found '{token}'", descriptor);
            return null;
        }
        return v;
    }

    /// <summary>A count of tokens from <paramref name="min"/> to <paramref name="max"/>, as a size (<c>4096</c>, <c>4k</c>,
    /// <c>1m</c>: <see cref="TokenSize"/>, the parser the CLI's --prompt uses); null after reporting.</summary>
    public long? Size(string what, long min, long max)
    {
        int start = Position;
        if (Peek is '-' or '+') Position++;
        while (!AtEnd && char.IsDigit(Peek)) Position++;
        if (Position > start && Peek is 'k' or 'K' or 'm' or 'M') Position++;
        var token = _text[start..Position];
        if (token.Length == 0) { Error(start, WordLength(start), $"{what}: expected a token count (like 4096 or 4k), found {Found(start)}"); return null; }
        if (TokenSize.Parse(token, min, max) is { } v) return v;
        Error(start, token.Length, $"{what} must be a token count from {min} to {max} (like 4096, 4k or 1m), found '{token}'");
        return null;
    }

    /// <summary>A finite decimal number within (<paramref name="min"/>, <paramref name="max"/>] (or [min, max] when
    /// <paramref name="minInclusive"/>); null after reporting.</summary>
    public double? Number(string what, double min, double max, bool minInclusive = false, DiagnosticDescriptor? descriptor = null)
    {
        int start = Position;
        // A sign is read with the number, so '-1' is out of range rather than not a number.
        if (Peek is '-' or '+') Position++;
        while (!AtEnd && (char.IsDigit(Peek) || Peek is '.' or 'e' or 'E' || (Peek is '+' or '-' && Position > start && _text[Position - 1] is 'e' or 'E'))) Position++;
        var token = _text[start..Position];
        if (token.Length == 0) { Error(start, WordLength(start), $"{what}: expected a number, found {Found(start)}", descriptor); return null; }
        bool ok = double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            && (minInclusive ? v >= min : v > min) && v <= max;
        if (!ok)
        {
            Error(start, token.Length, $"{what} must be a number {(minInclusive ? "from" : "above")} {N(min)} {(minInclusive ? "to" : "and at most")} {N(max)}, found '{token}'", descriptor);
            return null;
        }
        return v;
    }

    /// <summary>Reports anything left after a complete spec.</summary>
    public bool ExpectEnd()
    {
        if (AtEnd || Failed) return !Failed;
        ErrorHere($"unexpected '{_text[Position..]}' after the end of the spec");
        return false;
    }

    private string Found(int at) => at >= _text.Length ? "the end of the spec" : $"'{_text[at..(at + WordLength(at))]}'";

    private int WordLength(int? from = null)
    {
        int start = from ?? Position, i = start;
        while (i < _text.Length && _text[i] is not (',' or '}' or '{' or '=' or ':')) i++;
        return Math.Max(1, i - start);
    }

    private static string N(double x) => x.ToString("G", CultureInfo.InvariantCulture);
}
