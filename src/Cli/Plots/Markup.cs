using System.Globalization;
using System.Text;

namespace GraphDsl.Cli.Plots;

/// <summary>Text and numbers as they go into SVG and HTML: every string is escaped (model names, file names and op
/// names come from users), and every number is written the same way on every machine (invariant culture, at most
/// two decimals), so a plot is byte-for-byte stable and can be snapshot-tested.</summary>
public static class Markup
{
    /// <summary>Escapes text for an XML or HTML element or a double- or single-quoted attribute. Control characters
    /// other than tab and newline are not allowed in XML 1.0 at all: they become U+FFFD.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' or '\n' => c.ToString(),
                _ when c < ' ' || c is '\uFFFE' or '\uFFFF' => "\uFFFD",
                _ => c.ToString(),
            });
        return sb.ToString();
    }

    /// <summary>A coordinate or size: rounded to two decimals, no exponent, no trailing zeros, "-0" as "0".</summary>
    public static string Num(double v)
    {
        if (!double.IsFinite(v)) v = 0;
        var r = System.Math.Round(v, 2);
        if (r == 0) r = 0;
        return r.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
