using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Tests;

/// <summary>The pipeline grammar: what parses, how it prints back, and the errors with their columns.</summary>
public class PipelineParsingTests
{
    [Theory]
    [InlineData("canonicalize", "canonicalize")]
    [InlineData(" inline , canonicalize ", "inline,canonicalize")]
    [InlineData("canonicalize{}", "canonicalize")]
    [InlineData("", "")]
    public void Valid_pipelines_print_back(string text, string printed)
    {
        var d = new DiagnosticBag();
        var p = Pipeline.Parse(text, d);
        Assert.Empty(d.Items);
        Assert.Equal(printed, p!.ToString());
        Assert.Equal(printed, Pipeline.Parse(p.ToString(), new DiagnosticBag())!.ToString());
    }

    [Theory]
    [InlineData("canonicalise", "GD0502", "unknown pass 'canonicalise'; did you mean 'canonicalize'?; available: canonicalize, inline", 1)]
    [InlineData("inline,,canonicalize", "GD0501", "expected a pass name at ','", 8)]
    [InlineData("inline,", "GD0501", "expected a pass name after ','", 8)]
    [InlineData("canonicalize{x=1}", "GD0503", "pass 'canonicalize' has no option 'x'; valid options: (none)", 14)]
    [InlineData("canonicalize{", "GD0501", "unbalanced '{': expected '}'", 13)]
    [InlineData("inline}", "GD0501", "unbalanced '}'", 7)]
    [InlineData("inline canonicalize", "GD0501", "expected ',' between passes at 'c'", 8)]
    // An int option beyond the int range was wrapped: tp=4294967298 ran as tp=2, -4294967295 as 1.
    [InlineData("parallelize{tp=4294967298}", "GD0504", "option 'tp' of pass 'parallelize': 4294967298 is larger than 2147483647", 1)]
    [InlineData("parallelize{tp=-4294967295}", "GD0504", "option 'tp' of pass 'parallelize': -4294967295 is less than -2147483647", 1)]
    [InlineData("quantize{weights=int8,group=3000000000}", "GD0504", "option 'group' of pass 'quantize': 3000000000 is larger than 2147483647", 1)]
    public void Errors_name_the_problem_and_column(string text, string id, string message, int column)
    {
        var d = new DiagnosticBag();
        Assert.Null(Pipeline.Parse(text, d));
        var e = Assert.Single(d.Items);
        Assert.Equal(id, e.Id);
        Assert.Contains(message, e.Message);
        Assert.Equal(column, e.Span.Column);
    }

    /// <summary>Found by fuzzing (docs/robustness.md): each item of a list option copied the list so far, so 52,000
    /// items took seconds; the list is now built once.</summary>
    [Fact]
    public void A_long_list_option_parses_and_prints_back_whole()
    {
        var text = "quantize{weights=int4,skip_layers=first" + string.Concat(System.Linq.Enumerable.Repeat(",last", 50_000)) + "}";
        var d = new DiagnosticBag();
        var p = Pipeline.Parse(text, d);
        Assert.Empty(d.Items);
        Assert.Equal(text, p!.ToString());
    }
}
