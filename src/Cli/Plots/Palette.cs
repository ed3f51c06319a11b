namespace GraphDsl.Cli.Plots;

/// <summary>The colours of every plot, one place: a qualitative palette for series (Okabe-Ito, readable with the
/// common colour-vision deficiencies) and fixed colours for what means the same thing in every plot.</summary>
public static class Palette
{
    private static readonly string[] Series = { "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000" };

    /// <summary>The i-th series colour (repeating after eight).</summary>
    public static string At(int i) => Series[((i % Series.Length) + Series.Length) % Series.Length];

    public const string Front = "#C0392B";
    public const string Slo = "#C0392B";
    public const string Muted = "#9AA0A6";
    public const string Grid = "#E6E6E6";
    public const string AxisLine = "#444444";

    // What bounds an op or a phase: the same colour in the roofline, the time-by-bound bars and the report's table.
    public const string Compute = "#0072B2";
    public const string Memory = "#E69F00";
    public const string Communication = "#009E73";
    public const string Launch = "#CC79A7";
    public const string Free = "#D9D9D9";
}
