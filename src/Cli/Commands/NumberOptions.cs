using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// Numbers on the command line, parsed in one place. System.CommandLine reads "NaN", "Infinity" and
/// "1e400" as doubles, and a size suffix multiplies (9223372036854775807k wrapped around to -1024), so
/// every float option is made here with its range, which NaN and infinity are never in, and every token
/// count (a size such as 128k, or a plain count) is bounded by <see cref="Workload.MaxTokens"/> before it
/// is multiplied. A value outside its range is a usage error (GD0802, exit 2) naming the option.
/// </summary>
internal static class NumberOptions
{
    /// <summary>An optional float option; a value outside <paramref name="range"/> is a usage error.</summary>
    public static Option<double?> Float(string name, string description, FloatRange range) => new(name)
    {
        Description = description,
        CustomParser = result => ParseFloat(result, name, range),
    };

    /// <summary>A float option with a default; a value outside <paramref name="range"/> is a usage error.</summary>
    public static Option<double> Float(string name, string description, FloatRange range, double defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseFloat(result, name, range) ?? defaultValue,
    };

    /// <summary>A count of tokens or sequences from <paramref name="min"/> to <see cref="Workload.MaxTokens"/>.</summary>
    public static Option<long> Count(string name, string description, long defaultValue, long min = 1) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = Token(result);
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= Workload.MaxTokens)
                return value;
            result.AddError($"{name} must be an integer from {min} to {Workload.MaxTokens} (2^31), found '{text}'");
            return defaultValue;
        },
    };

    /// <summary>The sizes of a comma-separated list (<c>4k,32k,128k</c>; empty items skipped), each problem reported with
    /// <paramref name="descriptor"/> as "NAME: ..." (<see cref="GraphDsl.Backends.Serving.Specs.TokenSize"/>).</summary>
    public static List<long> Sizes(string text, string name, DiagnosticDescriptor descriptor, DiagnosticBag diagnostics)
    {
        var values = new List<long>();
        var seen = new HashSet<long>();
        foreach (var part in text.Split(',', System.StringSplitOptions.RemoveEmptyEntries | System.StringSplitOptions.TrimEntries))
            if (GraphDsl.Backends.Serving.Specs.TokenSize.Problem(name + ":", part, Workload.MaxTokens, out var v) is { } problem) diagnostics.Report(descriptor, SourceSpan.None, problem);
            else if (seen.Add(v)) values.Add(v);  // 4k,4096 is one size, kept once in its first place (as DeploymentOptions.Values)
        return values;
    }

    private static double? ParseFloat(ArgumentResult result, string name, FloatRange range)
    {
        var text = Token(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && range.Contains(value)) return value;
        result.AddError($"{name} must be {range}, found '{text}'");
        return null;
    }

    private static string Token(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[result.Tokens.Count - 1].Value : "";
}

/// <summary>The values a float option accepts: finite, at least (or above) <see cref="Min"/>, at most <see cref="Max"/>.</summary>
internal readonly record struct FloatRange(double Min, double Max, bool MinExclusive)
{
    /// <summary>Finite and above zero, at most <paramref name="max"/>.</summary>
    public static FloatRange Positive(double max = double.MaxValue) => new(0, max, true);

    /// <summary>Finite, from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static FloatRange Between(double min, double max = double.MaxValue) => new(min, max, false);

    /// <summary>False for NaN and both infinities, whatever the bounds.</summary>
    public bool Contains(double value) => double.IsFinite(value) && (MinExclusive ? value > Min : value >= Min) && value <= Max;

    public override string ToString() => (MinExclusive, Max == double.MaxValue) switch
    {
        (true, true) => $"a finite number above {N(Min)}",
        (true, false) => $"a number above {N(Min)} and at most {N(Max)}",
        (false, true) => $"a finite number of at least {N(Min)}",
        (false, false) => $"a number from {N(Min)} to {N(Max)}",
    };

    private static string N(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
