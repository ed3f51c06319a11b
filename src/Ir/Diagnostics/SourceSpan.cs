using System;
using System.Globalization;

namespace GraphDsl.Ir.Diagnostics;

/// <summary>
/// A range of source text. Lines and columns are 1-based, as users see them; <see cref="Offset"/> is
/// the 0-based character offset of the start, and <see cref="Length"/> its length in characters.
/// </summary>
public readonly struct SourceSpan : IEquatable<SourceSpan>
{
    public SourceSpan(string file, int line, int column, int endLine, int endColumn, int offset, int length)
    {
        File = file; Line = line; Column = column; EndLine = endLine; EndColumn = endColumn; Offset = offset; Length = length;
    }

    public string File { get; }
    public int Line { get; }
    public int Column { get; }
    public int EndLine { get; }
    /// <summary>1-based column just past the last character.</summary>
    public int EndColumn { get; }
    public int Offset { get; }
    public int Length { get; }
    public bool IsNone => File is null;

    public static SourceSpan None => default;

    /// <summary>A span of <paramref name="length"/> characters on one line.</summary>
    public static SourceSpan At(string file, int line, int column, int length = 1, int offset = -1) =>
        new(file, line, column, line, column + Math.Max(length, 1), offset, Math.Max(length, 1));

    public bool Equals(SourceSpan other) =>
        File == other.File && Line == other.Line && Column == other.Column && EndLine == other.EndLine && EndColumn == other.EndColumn;
    public override bool Equals(object? obj) => obj is SourceSpan s && Equals(s);
    public override int GetHashCode() => (File?.GetHashCode() ?? 0) ^ (Line * 397) ^ Column;

    public override string ToString() =>
        IsNone ? "<unknown>" : string.Format(CultureInfo.InvariantCulture, "{0}:{1}:{2}", File, Line, Column);
}
