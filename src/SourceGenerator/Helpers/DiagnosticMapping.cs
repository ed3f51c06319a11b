using System;
using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.SourceGenerator.Model;
using GraphDsl.SourceGenerator.Resolution;
using Microsoft.CodeAnalysis.Text;
using Diagnostic = GraphDsl.Ir.Diagnostics.Diagnostic;
using SourceText = GraphDsl.Frontend.Syntax.SourceText;

namespace GraphDsl.SourceGenerator.Helpers;

/// <summary>GraphDsl diagnostics to <see cref="DiagnosticInfo"/>: same id, severity and message, located
/// in the real file (the frontend knows display paths) with Roslyn's 0-based positions.</summary>
internal static class DiagnosticMapping
{
    /// <summary>A frontend diagnostic as data, located in the real file (the frontend knows display paths).</summary>
    public static DiagnosticInfo ToInfo(Diagnostic d, AdditionalFilesResolver? resolver, string rootFilePath, CompilationResult? result)
    {
        LocationInfo At(SourceSpan span)
        {
            if (span.IsNone) return new LocationInfo(rootFilePath, default, default);
            SourceText? text = null;
            result?.Sources.TryGetValue(span.File, out text);
            return Locate(span, resolver?.FilePathOf(span.File) ?? span.File, text);
        }
        return new DiagnosticInfo(d.Id, d.Descriptor.Title, ModelGenerator.DiagnosticDescriptors.ToRoslyn(d.Severity), d.Message,
            At(d.Span), d.Notes.Where(n => !n.Span.IsNone).Select(n => At(n.Span)).ToEquatableArray());
    }

    /// <summary>SourceSpan (1-based line and column) to Roslyn's 0-based line span and character span.</summary>
    public static LocationInfo Locate(SourceSpan span, string filePath, SourceText? text)
    {
        var start = new LinePosition(Math.Max(0, span.Line - 1), Math.Max(0, span.Column - 1));
        var end = span.EndLine > 0 ? new LinePosition(span.EndLine - 1, Math.Max(0, span.EndColumn - 1)) : start;
        if (end < start) end = start;
        var startOffset = span.Offset >= 0 ? span.Offset : OffsetOf(text, start);
        var endOffset = span.Offset >= 0 ? span.Offset + Math.Max(0, span.Length) : OffsetOf(text, end);
        if (text is not null) { startOffset = Math.Min(startOffset, text.Text.Length); endOffset = Math.Min(endOffset, text.Text.Length); }
        return new LocationInfo(filePath, TextSpan.FromBounds(startOffset, Math.Max(startOffset, endOffset)), new LinePositionSpan(start, end));
    }

    private static int OffsetOf(SourceText? text, LinePosition position)
    {
        if (text is null) return 0;
        int offset = 0;
        for (int line = 0; line < position.Line && offset < text.Text.Length; line++)
        {
            var next = text.Text.IndexOf('\n', offset);
            if (next < 0) return text.Text.Length;
            offset = next + 1;
        }
        return Math.Min(text.Text.Length, offset + position.Character);
    }
}
