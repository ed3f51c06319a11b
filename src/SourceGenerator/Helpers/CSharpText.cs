using System.Globalization;
using System.Text;

namespace GraphDsl.SourceGenerator.Helpers;

/// <summary>
/// Writes text that did not come from the generator (paths, model and parameter names, .moe sources,
/// IR) into C# literals and comments. The generated file holds printable ASCII, '\n', '\r' and '\t'
/// only: C# ends a line at U+2028, U+2029 and U+0085 as well as at '\r' and '\n', so a file name with
/// one of those written raw into a comment would let the rest of the name be compiled as code. Every
/// other character is written as <c>\uXXXX</c> (in a string literal, an escape; in a comment, the six
/// characters, which C# does not decode there).
/// </summary>
internal static class CSharpText
{
    /// <summary>A regular string literal on one line.</summary>
    public static string String(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        AppendEscaped(sb, text, 0, text.Length);
        return sb.Append('"').ToString();
    }

    /// <summary>
    /// A string literal that keeps multi-line text readable: runs of printable ASCII, tabs and line ends
    /// as verbatim literals (<c>@"..."</c>, quotes doubled), any other character in a regular literal of
    /// escapes between them (<c>@"a" + "\u2028" + @"b"</c>). A verbatim literal ends only at a lone
    /// quote, so its line ends are text; the rule that nothing else appears raw keeps the file ASCII.
    /// </summary>
    public static string Multiline(string text)
    {
        var sb = new StringBuilder(text.Length + 3);
        int i = 0;
        do
        {
            if (sb.Length > 0) sb.Append(" + ");
            int start = i;
            if (i == text.Length || IsVerbatimSafe(text[i]))
            {
                while (i < text.Length && IsVerbatimSafe(text[i])) i++;
                sb.Append("@\"").Append(text.Substring(start, i - start).Replace("\"", "\"\"")).Append('"');
            }
            else
            {
                while (i < text.Length && !IsVerbatimSafe(text[i])) i++;
                AppendEscaped(sb.Append('"'), text, start, i).Append('"');
            }
        } while (i < text.Length);
        return sb.ToString();
    }

    /// <summary>Text for a <c>//</c> comment: printable ASCII as is, anything else as <c>\uXXXX</c>.</summary>
    public static string Comment(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (IsPrintableAscii(c)) sb.Append(c);
            else AppendUnicodeEscape(sb, c);
        }
        return sb.ToString();
    }

    /// <summary>Text for an XML doc comment: as <see cref="Comment"/>, then &amp;, &lt;, &gt; and quotes escaped.</summary>
    public static string Doc(string text) =>
        Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&apos;");

    private static StringBuilder AppendEscaped(StringBuilder sb, string text, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (IsPrintableAscii(c)) sb.Append(c);
                    else AppendUnicodeEscape(sb, c);
                    break;
            }
        }
        return sb;
    }

    private static void AppendUnicodeEscape(StringBuilder sb, char c) =>
        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));

    private static bool IsPrintableAscii(char c) => c >= ' ' && c <= '~';

    private static bool IsVerbatimSafe(char c) => IsPrintableAscii(c) || c is '\n' or '\r' or '\t';
}
