using System.Linq;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Tests.Diagnostics;

/// <summary>A diagnostic's line counts the line breaks the lexer sees: "\n", "\r\n" and a lone "\r". A CR-only
/// (classic Mac) file had every diagnostic on line 1, at a column past the earlier lines, and its quoted "line"
/// was the whole file with raw carriage returns in it.</summary>
public class LineBreakTests
{
    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Diagnostics_are_located_on_the_line_the_lexer_sees(string newline)
    {
        var source = string.Join(newline, "model M {", "  input x: f32[batch, 4]", "  output y = hidden", "}", "");

        var result = Compiler.Compile(new SourceText("m.moe", source));

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("m.moe:3:14: error GD0201: unknown name 'hidden'", d.ToString());
        Assert.Equal("  output y = hidden", new SourceText("m.moe", source).Line(3));
    }
}
