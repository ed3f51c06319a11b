using System.Globalization;

namespace GraphDsl.Backends.Serving.Specs;

/// <summary>
/// A count of tokens written as a size: <c>4096</c>, <c>4k</c> (x 1024) or <c>1m</c> (x 1024^2), the suffix in either
/// case. The one parser of sizes: the CLI's <c>--prompt</c>, <c>--context</c> and size lists, and the lengths of a
/// workload spec (<c>prompt=2k</c>, <c>uniform:512-4k</c>) read them here, so both accept the same spellings. The number
/// is checked against the limit before it is multiplied, so nothing wraps around.
/// </summary>
public static class TokenSize
{
    /// <summary>Splits <paramref name="text"/> into its number and multiplier; false when it is not digits with an optional
    /// k or m (or the digits overflow a long).</summary>
    public static bool TrySplit(string text, out long number, out long multiplier)
    {
        var t = text.Trim().ToLowerInvariant();
        multiplier = 1;
        if (t.EndsWith('k')) { multiplier = 1024; t = t[..^1]; }
        else if (t.EndsWith('m')) { multiplier = 1024 * 1024; t = t[..^1]; }
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>The size <paramref name="text"/> stands for when it is one from <paramref name="min"/> to
    /// <paramref name="max"/>; null when it is not a size or lies outside.</summary>
    public static long? Parse(string text, long min, long max)
    {
        if (!TrySplit(text, out var number, out var multiplier) || number > max / multiplier) return null;
        long value = number * multiplier;
        return value >= min ? value : null;
    }

    /// <summary>Null when <paramref name="text"/> is a positive size of at most <paramref name="max"/> tokens (in
    /// <paramref name="value"/>), else why not, starting with <paramref name="name"/> and the text.</summary>
    public static string? Problem(string name, string text, long max, out long value)
    {
        value = 0;
        if (!TrySplit(text, out var number, out var multiplier) || number <= 0)
            return $"{name} '{text}' is not a positive size (like 4096, 4k or 1m)";
        if (number > max / multiplier)
            return $"{name} '{text}' is more than {max} ({Power(max)}) tokens, the limit";
        value = number * multiplier;
        return null;
    }

    private static string Power(long max) =>
        max > 0 && (max & (max - 1)) == 0 ? $"2^{System.Numerics.BitOperations.Log2((ulong)max)}" : max.ToString(CultureInfo.InvariantCulture);
}
