using System.Text;

namespace GraphDsl.SourceGenerator.Helpers;

/// <summary>Writes C# with four-space indentation and '\n' line ends, whatever the platform, so the
/// generated text (and its snapshots) is the same everywhere.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0) _sb.Append(' ', _indent * 4).Append(text);
        _sb.Append('\n');
        return this;
    }

    /// <summary>Appends text as is (a multi-line literal must not be indented inside).</summary>
    public SourceWriter Raw(string text) { _sb.Append(text); return this; }

    public SourceWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string closer = "}")
    {
        _indent--;
        return Line(closer);
    }

    public string Indentation => new(' ', _indent * 4);

    public override string ToString() => _sb.ToString();
}
