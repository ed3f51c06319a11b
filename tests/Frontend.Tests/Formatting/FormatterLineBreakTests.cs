using GraphDsl.Frontend.Formatting;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Frontend.Tests.Formatting;

/// <summary>The formatter keeps the line breaks the lexer sees: "\n", "\r\n" and a lone "\r" (classic Mac files)
/// each end a line comment. Counting '\n' alone put a CR-only file on one line, where its first comment swallowed
/// the rest of the program: `fmt` printed a file that no longer parsed, and `fmt --write` would have saved it.</summary>
public class FormatterLineBreakTests
{
    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Every_line_break_the_lexer_sees_is_kept(string newline)
    {
        var source = string.Join(newline, "model M {", "  input x: f32[batch, 4] # a comment", "  output y = x", "}", "");
        var diagnostics = new DiagnosticBag();

        var formatted = Formatter.Format(new SourceText("m.moe", source), diagnostics);

        Assert.Empty(diagnostics.Items);
        Assert.Equal("model M {\n  input x: f32[batch, 4] # a comment\n  output y = x\n}\n", formatted);
    }
}
