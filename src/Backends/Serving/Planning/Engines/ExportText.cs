using System.Linq;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// Text from outside the plan (the model's name or path, a device id from a hardware file) as the export files may hold
/// it. A shell ends a line at '\n' only, but YAML 1.1 readers (PyYAML, and go-yaml, which Kubernetes reads a
/// DynamoGraphDeployment with, both libyaml's scanner) also end one at NEL (U+0085), LINE SEPARATOR (U+2028) and
/// PARAGRAPH SEPARATOR (U+2029): a model named <c>x\u2028extra: 1</c> ended the Dynamo file's comment and added a key.
/// Format characters (the bidi overrides of "Trojan Source") make a file read differently from how it runs.
/// </summary>
public static class ExportText
{
    /// <summary>The characters YAML 1.1's readers end a line at ('\r' before '\n' aside).</summary>
    public static readonly char[] YamlLineBreaks = { '\n', '\u0085', '\u2028', '\u2029' };

    /// <summary>Whether <paramref name="c"/> has no place in a launch file's one-line value or comment: a control or format
    /// character or a line break of any reader, the characters no input text may print back to a terminal either
    /// (<see cref="GraphDsl.Backends.CostModel.PrintableText"/>: '\r', '\n' and NEL are control characters, U+2028 and
    /// U+2029 the line and paragraph separators).</summary>
    public static bool IsUnsafe(char c) => GraphDsl.Backends.CostModel.PrintableText.IsUnprintable(c);

    /// <summary>Whether <paramref name="text"/> holds a character of <see cref="IsUnsafe"/>.</summary>
    public static bool HasUnsafe(string text) => text.Any(IsUnsafe);

    /// <summary><paramref name="text"/> for a comment line: each unsafe character as U+FFFD, so it stays one line for every
    /// reader.</summary>
    public static string Comment(string text) =>
        HasUnsafe(text) ? new string(text.Select(c => IsUnsafe(c) ? '\uFFFD' : c).ToArray()) : text;
}
