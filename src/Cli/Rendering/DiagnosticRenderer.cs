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
        w.WriteLine($" {number} | {line}");
        w.WriteLine($" {gutter} | {new string(' ', col - 1)}{new string('^', len)}");
    }

    public static int ErrorCount(IEnumerable<Diagnostic> ds) => ds.Count(d => d.Severity == Severity.Error);
}
