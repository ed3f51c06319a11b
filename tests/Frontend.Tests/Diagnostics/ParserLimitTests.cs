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
        Assert.Equal("m.moe:400:12: error GD0105: " + Blocks, d.ToString());
    }

    private const string Blocks = "blocks ('{ }' bodies of repeat, if and the like, counted with the brackets around them) nested deeper than 200 levels";

    /// <summary>GD0105 spoke of "expression" nesting for 201 nested repeat blocks, which hold no expression deeper than
    /// one level; it names what is nested.</summary>
    [Fact]
    public void Nested_repeat_blocks_are_named_as_blocks_and_brackets_as_brackets()
    {
        var blocks = "model M {\n" + string.Concat(Enumerable.Repeat("repeat 1 {\n", 200)) + new string('}', 200) + "\n}\n";
        var d = Assert.Single(Compiler.Compile(new SourceText("m.moe", blocks)).Diagnostics);
        Assert.Equal("m.moe:201:10: error GD0105: " + Blocks, d.ToString());
        var brackets = "model M {\n  let y = " + new string('(', 200) + "1" + new string(')', 200) + "\n}\n";
        d = Assert.Single(Compiler.Compile(new SourceText("m.moe", brackets)).Diagnostics);
        Assert.Equal("m.moe:2:210: error GD0105: brackets ('(' and '[', counted with the blocks around them) nested deeper than 200 levels", d.ToString());
        var negations = "model M {\n  let y = " + new string('-', 201) + "1\n}\n";
        d = Assert.Single(Compiler.Compile(new SourceText("m.moe", negations)).Diagnostics);
        Assert.Equal("m.moe:2:211: error GD0105: unary operators ('-' and 'not' in a row) nested deeper than 200 levels", d.ToString());
    }
}
