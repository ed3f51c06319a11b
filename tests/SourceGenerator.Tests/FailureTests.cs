using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>The generator never throws into the user's build: its own failures become one GD0901 each.</summary>
public class FailureTests
{
    [Fact]
    public void An_internal_exception_becomes_one_diagnostic()
    {
        var failing = new ModelGenerator((_, _, _) => throw new InvalidOperationException("frontend exploded"));
        var run = new GeneratorHarness(failing).Sample("tiny-moe").Generate();

        Assert.Null(run.Generator.Exception);
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id == "CS8785");   // "generator failed"
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal(("GD0901", DiagnosticSeverity.Error), (d.Id, d.Severity));
        Assert.Equal("/project/Models/tiny-moe.moe(1,1): error GD0901: internal error while generating code for 'tiny-moe.moe': " +
            "InvalidOperationException: frontend exploded (please report it)", d.ToString());
        Assert.DoesNotContain(run.Sources, s => s.HintName.Contains("TinyMoe"));
    }

    [Fact]
    public void Other_files_still_generate_when_one_fails()
    {
        var failing = new ModelGenerator((source, model, resolver) =>
            source.Path.Contains("dense") ? throw new ArgumentException("bad") : GraphDsl.Frontend.Compiler.Compile(source, model, resolver));
        var run = new GeneratorHarness(failing).Sample("tiny-moe").Sample("tiny-dense").Generate();

        Assert.Equal("GD0901", Assert.Single(run.Diagnostics).Id);
        Assert.Contains(run.Sources, s => s.HintName.Contains("TinyMoe"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\0\u0001\u00ff binary junk {{{{ ]]]")]
    [InlineData("model")]
    [InlineData("model M { input x: f32[batch, 4] output y = ((((((((((((((((((((x)))))))))))))))))))) }")]
    [InlineData("model M {\n  param p = 9223372036854775807 * 2\n  input x: f32[batch, p]\n  output y = x\n}")]
    public void Malformed_input_gives_diagnostics_never_an_exception(string text)
    {
        var run = new GeneratorHarness().File("junk.moe", text).Generate();

        Assert.Null(run.Generator.Exception);
        Assert.All(run.Diagnostics, d => Assert.StartsWith("GD0", d.Id));
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "GD0901");
        Assert.Empty(run.CompileErrors);
    }
}
