using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Rendering;

/// <summary>Renders diagnostics as compilers do: <c>file:line:col: error GD0201: message</c>, then the
/// source line and a caret under the span; notes follow with their own locations.</summary>
public static class DiagnosticRenderer
{
    public static void Write(TextWriter w, IEnumerable<Diagnostic> diagnostics, IReadOnlyDictionary<string, SourceText>? sources)
    {
        foreach (var d in diagnostics)
        {
            w.WriteLine(d.ToString());
            WriteSnippet(w, d.Span, sources);
            foreach (var n in d.Notes)
            {
                w.WriteLine((n.Span.IsNone ? "graphdsl" : n.Span.ToString()) + ": note: " + n.Message);
                WriteSnippet(w, n.Span, sources);
            }
        }
    }

    private static void WriteSnippet(TextWriter w, SourceSpan span, IReadOnlyDictionary<string, SourceText>? sources)
    {
        if (span.IsNone || sources is null || !sources.TryGetValue(span.File, out var src) || span.Line > src.LineCount) return;
        var line = src.Line(span.Line).Replace('\t', ' ');
        var number = span.Line.ToString(CultureInfo.InvariantCulture);
        var gutter = new string(' ', number.Length);
        int col = Math.Max(1, Math.Min(span.Column, line.Length + 1));
        int len = span.EndLine == span.Line ? Math.Max(1, span.EndColumn - span.Column) : Math.Max(1, line.Length - col + 1);
        len = Math.Max(1, Math.Min(len, Math.Max(1, line.Length - col + 1)));
        // A very long line (generated or hostile input) is shown as a window around the span, marked with
        // "..." where cut, so one diagnostic never prints megabytes of source and carets.
        int start = 0, end = line.Length;
        if (line.Length > MaxShownColumns)
        {
            start = Math.Max(0, Math.Min(col - 1 - ContextBeforeSpan, line.Length - MaxShownColumns));
            end = start + MaxShownColumns;
        }
        string head = start > 0 ? "..." : "", tail = end < line.Length ? "..." : "";
        int caretLen = Math.Max(1, Math.Min(len, end - (col - 1)));
        w.WriteLine($" {number} | {head}{line[start..end]}{tail}");
        w.WriteLine($" {gutter} | {new string(' ', head.Length + col - 1 - start)}{new string('^', caretLen)}");
    }

    /// <summary>The most source columns a snippet shows, and how many of them come before the span.</summary>
    private const int MaxShownColumns = 160, ContextBeforeSpan = 40;

    public static int ErrorCount(IEnumerable<Diagnostic> ds) => ds.Count(d => d.Severity == Severity.Error);
}
