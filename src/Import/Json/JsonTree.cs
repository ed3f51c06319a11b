using System.Collections.Generic;
using System.Globalization;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Import.Json;

/// <summary>A JSON value with the span it was written at, so a diagnostic about a config field points at it.</summary>
public abstract record JsonNode(SourceSpan Span)
{
    /// <summary>"a number", "a string", ...: what a diagnostic says it found.</summary>
    public abstract string Kind { get; }
}

public sealed record JsonMember(string Name, SourceSpan NameSpan, JsonNode Value);

public sealed record JsonObject(IReadOnlyList<JsonMember> Members, SourceSpan Span) : JsonNode(Span)
{
    public override string Kind => "an object";
}

public sealed record JsonArray(IReadOnlyList<JsonNode> Items, SourceSpan Span) : JsonNode(Span)
{
    public override string Kind => "a list";
}

public sealed record JsonString(string Value, SourceSpan Span) : JsonNode(Span)
{
    public override string Kind => $"the string \"{Value}\"";
}

/// <summary>A number as written (<see cref="Text"/>) and as a double; <see cref="Integer"/> when it is a whole number that fits a long.</summary>
public sealed record JsonNumber(string Text, double Value, SourceSpan Span) : JsonNode(Span)
{
    public override string Kind => $"the number {Text}";
    public long? Integer => long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
}

public sealed record JsonBool(bool Value, SourceSpan Span) : JsonNode(Span)
{
    public override string Kind => Value ? "true" : "false";
}

public sealed record JsonNull(SourceSpan Span) : JsonNode(Span)
{
    public override string Kind => "null";
}
