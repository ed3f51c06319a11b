using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GraphDsl.Passes.Core;

/// <summary>A pass's options after validation against its <see cref="PassInfo"/>, defaults applied; a pass binds them
/// into its typed options record through its declarations (<see cref="Get{T}"/>).</summary>
public sealed class PassOptions
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _given;
    private readonly PassInfo _info;

    public PassOptions(PassInfo info, IReadOnlyDictionary<string, string> given)
    {
        _info = info;
        _values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in info.Options) if (o.Default is not null) _values[o.Name] = o.Default;
        foreach (var kv in given) _values[kv.Key] = kv.Value;
        _given = new HashSet<string>(given.Keys, StringComparer.Ordinal);
    }

    /// <summary>Whether the pipeline wrote <paramref name="option"/> (its default did not just apply): an option that
    /// only some choices of another use is refused where it was written but would go unused.</summary>
    public bool IsGiven(PassOptionSpec option) => _given.Contains(option.Name);

    /// <summary>The value of <paramref name="option"/>, one of this pass's declared options: as given, else its default.</summary>
    public T Get<T>(PassOption<T> option)
    {
        if (!ReferenceEquals(_info.FindOption(option.Name), option))
            throw new ArgumentException($"'{option.Name}' is not a declared option of pass '{_info.Name}'", nameof(option));
        return option.Parse(_values[option.Name]);
    }

    /// <summary>Whether two valid values of one option mean the same (integers by value: 8 and 08).</summary>
    public static bool SameValue(PassOptionSpec spec, string a, string b) =>
        spec.Kind == OptionKind.Int && long.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x)
            && long.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y)
            ? x == y : string.Equals(a, b, StringComparison.Ordinal);

    /// <summary>Checks one value against its spec; null when valid, else why not.</summary>
    public static string? Validate(PassOptionSpec spec, string value) => spec.Kind switch
    {
        OptionKind.Int => !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? $"'{value}' is not an integer"
            : i > spec.Maximum ? $"{i} is larger than {spec.Maximum}"
            : i < -spec.Maximum ? $"{i} is less than -{spec.Maximum}" : null,
        OptionKind.Bool => value is "true" or "false" ? null : $"'{value}' is not true or false",
        OptionKind.Float => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && !double.IsNaN(f) && !double.IsInfinity(f) ? null : $"'{value}' is not a number",
        OptionKind.Choice => spec.Choices!.Contains(value) ? null
            : $"'{value}' is not one of {string.Join(", ", spec.Choices!)}{GraphDsl.Ir.Suggest.DidYouMean(value, spec.Choices!)}",
        _ => value.Length == 0 && spec.Kind == OptionKind.String ? "the value is empty" : null,
    };

    public override string ToString() =>
        string.Join(",", _info.Options.Where(o => _values.ContainsKey(o.Name) && _values[o.Name] != o.Default).Select(o => o.Name + "=" + _values[o.Name]));
}
