using System;
using System.Collections.Generic;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;

namespace GraphDsl.Frontend.Syntax;

/// <summary>A source file's text with a line index, for spans and for printing the offending line.</summary>
public sealed class SourceText
{
    private readonly List<int> _lineStarts = new() { 0 };

    public SourceText(string path, string text)
    {
        Path = path;
        Text = text;
        // A line ends at "\n", "\r\n" or a lone "\r", as it ends a line comment for the lexer (a CR-only file's
        // diagnostics were all on line 1, at columns past a hundred).
        for (int i = 0; i < text.Length; i++)
            if (LineBreaks.EndsLineAt(text, i)) _lineStarts.Add(i + 1);
    }

    public string Path { get; }
    public string Text { get; }
    public int LineCount => _lineStarts.Count;

    /// <summary>The text of a 1-based line, without its line break.</summary>
    public string Line(int line)
    {
        if (line < 1 || line > _lineStarts.Count) return "";
        int start = _lineStarts[line - 1];
        int end = line < _lineStarts.Count ? _lineStarts[line] - 1 : Text.Length;
        if (end > start && Text[end - 1] == '\r') end--;
        return Text.Substring(start, Math.Max(0, end - start));
    }

    /// <summary>The 1-based (line, column) of a 0-based offset.</summary>
    public (int Line, int Column) Position(int offset)
    {
        int lo = 0, hi = _lineStarts.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
        }
        return (lo + 1, offset - _lineStarts[lo] + 1);
    }

    public SourceSpan Span(int startOffset, int endOffsetExclusive)
    {
        startOffset = Math.Max(0, Math.Min(startOffset, Text.Length));
        endOffsetExclusive = Math.Max(startOffset, Math.Min(endOffsetExclusive, Text.Length));
        var (l1, c1) = Position(startOffset);
        var (l2, c2) = Position(endOffsetExclusive);
        return new SourceSpan(Path, l1, c1, l2, c2, startOffset, Math.Max(1, endOffsetExclusive - startOffset));
    }
}
