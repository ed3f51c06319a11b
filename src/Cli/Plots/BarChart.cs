using System.Collections.Generic;

namespace GraphDsl.Cli.Plots;

/// <summary>One part of a stacked bar: what it is, how much, in which colour.</summary>
public sealed record BarSegment(string Name, double Value, string Color);

/// <summary>One stacked bar: its label, its parts, and the figure printed after it (its total with the unit).</summary>
public sealed record BarRow(string Label, IReadOnlyList<BarSegment> Segments, string Total);

/// <summary>Horizontal stacked bars on one axis (<paramref name="Unit"/>), or each bar as shares of its own total
/// (<paramref name="Shares"/>: rows of very different sizes, a prefill and a decode step). <paramref name="Limit"/> draws a
/// labelled line at a value (a GPU's memory capacity).</summary>
public sealed record BarChart(string Title, string Subtitle, string Unit, IReadOnlyList<BarRow> Rows, bool Shares = false, Guide? Limit = null);
