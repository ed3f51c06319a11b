using System.Globalization;

namespace GraphDsl.Ir.Diagnostics;

/// <summary>
/// The bound on text a diagnostic echoes: a 1 MB model name or a whole <c>--prompt-tokens</c> list used to be printed in
/// full, once per diagnostic. An argument longer than <see cref="MaxChars"/> is shown as its start and its end (where a
/// message built whole, as <c>"--flag 'VALUE': why"</c>, says why) around an ellipsis with its total length.
/// </summary>
public static class EchoedText
{
    /// <summary>Longer than any message argument the tools compose themselves (lists of known names included).</summary>
    public const int MaxChars = 400;
    private const int HeadChars = 240, TailChars = 120;

    public static object Cap(object argument) => argument is string s ? Cap(s) : argument;

    public static string Cap(string text)
    {
        if (text.Length <= MaxChars) return text;
        int head = HeadChars, tail = text.Length - TailChars;
        // Never split a surrogate pair: the cut stays on whole characters.
        if (char.IsHighSurrogate(text[head - 1])) head--;
        if (char.IsLowSurrogate(text[tail])) tail++;
        return text.Substring(0, head) + "...[" + text.Length.ToString(CultureInfo.InvariantCulture) + " characters in all]..." + text.Substring(tail);
    }
}
