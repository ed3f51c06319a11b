using System.Linq;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Tests.Diagnostics;

/// <summary>Nesting limits that inputs too large for invalid.moe reach.</summary>
public class ParserLimitTests
{
    /// <summary>Found by fuzzing (docs/robustness.md): a closer of another kind counted as closing, so 17,000 lines of
    /// <c>repeat 0 {</c> and <c>)</c> passed the depth check and nested the parser's error recovery 17,000 deep (two
    /// minutes). A closer now closes only its own kind: the 201st open brace is the error.</summary>
    [Fact]
    public void Braces_closed_by_parentheses_still_count_as_open()
    {
        var text = "model M {\n" + string.Concat(Enumerable.Repeat("  repeat 0 {\n)\n", 17_000)) + "}\n";
        var result = Compiler.Compile(new SourceText("m.moe", text));
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("m.moe:400:12: error GD0105: expression nested deeper than 200 levels (brackets, unary operators or a chain of binary operators)", d.ToString());
    }
}
