using System.Linq;
using GraphDsl.Frontend.Parsing;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Tests.Diagnostics;

/// <summary>
/// Long operator chains are counted on the tokens before ANTLR parses them (GD0108), so an 800 KB
/// <c>1+1+...+1</c> is refused without the seconds a parse takes; the count is per expression, so
/// many statements or list items, and long expressions of mixed precedence, still compile.
/// </summary>
public class ExpressionLengthTests
{
    private static string Model(string statements) =>
        "model M {\n  input x: f32[batch, 4]\n" + statements + "  output y = x\n}\n";

    [Fact]
    public void An_800_KB_flat_chain_is_refused_before_parsing()
    {
        var text = Model("  let n = " + string.Join("+", Enumerable.Repeat("1", 400_000)) + "\n");
        var result = Compiler.Compile(new SourceText("chain.moe", text));

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("chain.moe:3:20012: error GD0108: expression chains more than 10000 binary operators", d.ToString());
    }

    [Fact]
    public void A_chain_one_operator_over_the_limit_is_refused_and_one_at_it_is_not()
    {
        string Chain(int operators) => Model("  let n = (" + string.Join("*", Enumerable.Repeat("1", operators + 1)) + ")\n");
        var over = Compiler.Compile(new SourceText("t.moe", Chain(SyntaxParser.MaxExpressionOperators + 1)));
        Assert.Equal("GD0108", Assert.Single(over.Diagnostics).Id);
        // At the limit the chain is parsed; a flat chain that long is then deeper than the syntax tree allows.
        var at = Compiler.Compile(new SourceText("t.moe", Chain(SyntaxParser.MaxExpressionOperators)));
        Assert.Equal("GD0105", Assert.Single(at.Diagnostics).Id);
    }

    [Fact]
    public void Long_expressions_of_mixed_precedence_and_many_short_ones_compile()
    {
        // 100 products of 100 factors: 9,999 operators in one expression, 199 levels deep.
        var mixed = string.Join(" + ", Enumerable.Repeat(string.Join("*", Enumerable.Repeat("1", 100)), 100));
        var many = string.Concat(Enumerable.Range(0, 6_000).Select(i => $"  let a{i} = 1 + 2 * 3\n"));
        var list = "  let sizes = [" + string.Join(", ", Enumerable.Repeat("2 + 2", 6_000)) + "]\n";
        var result = Compiler.Compile(new SourceText("t.moe", Model("  let n = " + mixed + "\n" + many + list)));

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }
}
