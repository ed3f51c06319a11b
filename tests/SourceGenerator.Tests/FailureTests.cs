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

    /// <summary>No hook: the host's own <see cref="AdditionalText"/> throws, as a broken IDE file system might.</summary>
    [Fact]
    public void A_file_the_host_cannot_read_is_one_diagnostic_and_the_others_generate()
    {
        var harness = new GeneratorHarness().Sample("tiny-moe");
        var run = harness.Generate(files: harness.Files.Append(new ThrowingText("/project/Models/broken.moe")));

        Assert.Null(run.Generator.Exception);
        Assert.Equal(new[] { "/project/Models/broken.moe(1,1): error GD0901: internal error while generating code for 'broken.moe': " +
            "IOException: the disk went away (please report it)" }, run.Rendered);
        Assert.Contains(run.Sources, s => s.HintName.Contains("TinyMoe"));
    }

    /// <summary>The compiler opens an additional file when a generator asks for its text, and opening a FIFO blocks
    /// until a writer comes: `mkfifo pipe.moe` in a project folder hung its build forever. The generator asks what the
    /// path is first and reads only a regular file (the fake's text stands for the read that used to block).</summary>
    [Fact]
    public void A_fifo_among_the_additional_files_is_refused_without_opening_it()
    {
        using var tree = new GraphDsl.TestSupport.TempTree();
        var fifo = tree.Fifo("Models/pipe.moe");
        var harness = new GeneratorHarness().Sample("tiny-moe");
        var run = harness.Generate(files: harness.Files.Append(new ThrowingText(fifo)));

        Assert.Null(run.Generator.Exception);
        Assert.Equal(new[] { $"{fifo}(1,1): error GD0801: cannot read '{fifo}': it is a FIFO (named pipe), not a regular file" }, run.Rendered);
        Assert.Contains(run.Sources, s => s.HintName.Contains("TinyMoe"));
    }

    /// <summary>A multi-GB file named .moe was read whole (the compiler hands a generator the text it asks for) before the
    /// frontend refused it for its size; its size on disk is checked first, and it is refused without being read (the
    /// fake's text throws, standing for the read). The file is sparse: 3 GiB long, no disk used.</summary>
    [Fact]
    public void A_file_too_large_to_compile_is_refused_by_its_size_without_reading_it()
    {
        using var tree = new GraphDsl.TestSupport.TempTree();
        var huge = tree.File("Models/huge.moe", "");
        using (var stream = new System.IO.FileStream(huge, System.IO.FileMode.Open)) stream.SetLength(3L << 30);
        var harness = new GeneratorHarness().Sample("tiny-moe");
        var run = harness.Generate(files: harness.Files.Append(new ThrowingText(huge)));

        Assert.Null(run.Generator.Exception);
        Assert.Equal(new[] { $"{huge}(1,1): error GD0107: source file '{huge}' is 3221225472 bytes; the limit is 4194304" }, run.Rendered);
        Assert.Contains(run.Sources, s => s.HintName.Contains("TinyMoe"));
    }

    /// <summary>No hook: the host's analyzer-config options throw; the defaults are used.</summary>
    [Fact]
    public void Build_properties_that_throw_are_one_diagnostic_and_the_defaults()
    {
        var harness = new GeneratorHarness().Sample("tiny-dense");
        var run = harness.Generate(options: new ThrowingOptionsProvider());

        Assert.Null(run.Generator.Exception);
        Assert.Equal(new[] { "error GD0901: internal error while generating code for 'the build properties': " +
            "InvalidOperationException: no options today (please report it)" }, run.Rendered);
        Assert.Contains("namespace GraphDsl.Models\n", run.Sources.Single(s => s.HintName.EndsWith(".TinyDense.g.cs", StringComparison.Ordinal)).SourceText.ToString());
    }

    private sealed class ThrowingText : AdditionalText
    {
        public ThrowingText(string path) { Path = path; }
        public override string Path { get; }
        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) =>
            throw new System.IO.IOException("the disk went away");
    }

    private sealed class ThrowingOptionsProvider : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions { get; } = new ThrowingOptions();
        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;
        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;
    }

    private sealed class ThrowingOptions : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => throw new InvalidOperationException("no options today");
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
