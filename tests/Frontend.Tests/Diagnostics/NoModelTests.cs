using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Tests.Diagnostics;

/// <summary>A file with no model (blocks only, or nothing) is GD0211; it carried no location and printed as
/// <c>graphdsl: error GD0211</c>, not naming the file as every other source diagnostic does. It is located at the
/// file's start.</summary>
public class NoModelTests
{
    [Theory]
    [InlineData("# blocks only\nblock twice(x: [B, D]) {\n  return x + x\n}\n")]
    [InlineData("")]
    public void A_file_without_a_model_is_located_at_its_start(string text)
    {
        var result = Compiler.Compile(new SourceText("lib.moe", text));
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("lib.moe:1:1: error GD0211: 'lib.moe' defines no model", d.ToString());
    }
}
