using System.CommandLine;
using System.Globalization;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary>A command-line flag that sets one option of a pass (<c>--tp</c> sets parallelize's <c>tp</c>): its values are
/// checked against the option's declaration, and a pipeline's element of that pass may set the same key.</summary>
internal sealed record PassKey(Option<string> Flag, string Pass, string Key)
{
    public PassOptionSpec Spec => PassRegistry.Find(Pass)!.FindOption(Key)!;

    /// <summary>The least value of a layout size: 0 for redundant expert slots, 1 for tp, ep, dp and pp.</summary>
    public long Minimum => Key == "redundant" ? 0 : 1;

    /// <summary>Why <paramref name="value"/> is not a valid value of this key, or null.</summary>
    public string? Check(string value) => Spec.Kind == OptionKind.Int ? CheckInt(value, Minimum) : PassOptions.Validate(Spec, value);

    /// <summary>Layout sizes are ints: a larger value is an error rather than a silent wrap-around.</summary>
    public static string? CheckInt(string value, long minimum)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            return value.Length == 0 ? "an empty value" : $"'{value}' is not an integer";
        if (v > int.MaxValue) return $"{v} is larger than {int.MaxValue}";
        return v < minimum ? $"{v} is less than {minimum}" : null;
    }

    /// <summary>Integers without leading zeros or sign (so 08 and 8 are one value); other values as written.</summary>
    public static string Normalize(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v.ToString(CultureInfo.InvariantCulture) : value;
}
