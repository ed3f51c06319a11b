namespace GraphDsl.Ir.Text;

/// <summary>
/// Where a line ends in a source text, for every reader that counts lines (the .moe source index and formatter, the
/// .gir lexer): at "\n", at "\r\n" (one break, counted at its '\n') and at a lone "\r" (classic Mac files). Counting
/// '\n' alone put every diagnostic of a CR-only file on line 1, and let its first comment swallow the rest of the file.
/// </summary>
public static class LineBreaks
{
    /// <summary>Whether <paramref name="c"/> is part of a line break ('\n' or '\r'): where a line comment or a
    /// one-line string stops.</summary>
    public static bool IsBreakChar(char c) => c is '\n' or '\r';

    /// <summary>Whether the character at <paramref name="i"/> ends a line: a '\n', or a '\r' that no '\n' follows.</summary>
    public static bool EndsLineAt(string text, int i) =>
        text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n'));

    /// <summary>The line breaks in <paramref name="text"/>, "\r\n" counted once.</summary>
    public static int Count(string text)
    {
        int breaks = 0;
        for (int i = 0; i < text.Length; i++)
            if (EndsLineAt(text, i)) breaks++;
        return breaks;
    }
}
