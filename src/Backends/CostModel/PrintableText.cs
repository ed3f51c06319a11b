using System.Globalization;

namespace GraphDsl.Backends.CostModel;

/// <summary>
/// Which characters of an input file's text must not reach a terminal as they are: a control character (ESC starts a
/// terminal's escape sequences: "\x1b]0;...\x07" retitles it), a line break (U+2028 and U+2029 too: it splits a table's row
/// or a diagnostic's line) and a format character (the bidi overrides that make text read differently from what it is).
/// Names that the cost model's readers print back (a measurement's id, a routing-statistics file's model and layers) are
/// checked with it.
/// </summary>
public static class PrintableText
{
    public static bool IsUnprintable(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
