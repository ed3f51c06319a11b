using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GraphDsl.Ir.Diagnostics;

public enum Severity { Error, Warning, Note }

/// <summary>What a diagnostic is, apart from where it happened: a stable id and a message format.</summary>
public sealed class DiagnosticDescriptor
{
    public DiagnosticDescriptor(string id, string title, string messageFormat, Severity severity = Severity.Error)
    {
        Id = id; Title = title; MessageFormat = messageFormat; Severity = severity;
    }

    public string Id { get; }
    public string Title { get; }
    public string MessageFormat { get; }
    public Severity Severity { get; }

    public Diagnostic At(SourceSpan span, params object[] args) => new(this, span, args);
}

/// <summary>A note attached to a diagnostic, with its own location ("first defined here").</summary>
public sealed class DiagnosticNote
{
    public DiagnosticNote(string message, SourceSpan span) { Message = message; Span = span; }
    public string Message { get; }
    public SourceSpan Span { get; }
}

/// <summary>One reported problem: descriptor + location + arguments (+ notes).</summary>
public sealed class Diagnostic
{
    public Diagnostic(DiagnosticDescriptor descriptor, SourceSpan span, object[] args, IReadOnlyList<DiagnosticNote>? notes = null)
    {
        Descriptor = descriptor; Span = span; Args = args; Notes = notes ?? Array.Empty<DiagnosticNote>();
    }

    public DiagnosticDescriptor Descriptor { get; }
    public SourceSpan Span { get; }
    public IReadOnlyList<object> Args { get; }
    public IReadOnlyList<DiagnosticNote> Notes { get; }
    public string Id => Descriptor.Id;
    public Severity Severity => Descriptor.Severity;
    /// <summary>The message, each argument bounded (<see cref="EchoedText"/>): hostile input is never echoed in full.</summary>
    public string Message => string.Format(CultureInfo.InvariantCulture, Descriptor.MessageFormat, Args.Select(EchoedText.Cap).ToArray());

    public Diagnostic WithNote(string message, SourceSpan span) =>
        new(Descriptor, Span, Args.ToArray(), Notes.Append(new DiagnosticNote(message, span)).ToArray());

    /// <summary><c>file:line:col: error GD0201: message</c>.</summary>
    public override string ToString() =>
        (Span.IsNone ? "graphdsl" : Span.ToString()) + ": " + SeverityText(Severity) + " " + Id + ": " + Message;

    public static string SeverityText(Severity s) => s switch { Severity.Error => "error", Severity.Warning => "warning", _ => "note" };
}

/// <summary>Thrown only to carry diagnostics out of a stage that cannot continue; never reaches a user.</summary>
public sealed class DiagnosticException : Exception
{
    public DiagnosticException(Diagnostic diagnostic) : base(diagnostic.ToString()) { Diagnostic = diagnostic; }
    public Diagnostic Diagnostic { get; }
}
