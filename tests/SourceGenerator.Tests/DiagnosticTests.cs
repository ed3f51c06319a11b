using System.Linq;
using Microsoft.CodeAnalysis;
using GraphDsl.SourceGenerator.Helpers;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>GraphDsl diagnostics as compiler diagnostics: id, severity, the .moe path, line and column.</summary>
public class DiagnosticTests
{
    [Fact]
    public void A_language_error_is_located_in_the_moe_file()
    {
        var run = new GeneratorHarness().Input("unknown-name.moe").Generate();

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("GD0201", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        var span = d.Location.GetLineSpan();
        Assert.Equal("/project/unknown-name.moe", span.Path);
        Assert.Equal((5, 29), (span.StartLinePosition.Line, span.StartLinePosition.Character));   // 0-based: line 6, column 30
        Assert.Equal((5, 36), (span.EndLinePosition.Line, span.EndLinePosition.Character));
        var text = System.IO.File.ReadAllText(System.IO.Path.Combine(System.AppContext.BaseDirectory, "Inputs", "unknown-name.moe"));
        Assert.Equal("epsilon", text.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        // What `dotnet build` prints: path(line,col): severity id: message.
        Assert.Equal("/project/unknown-name.moe(6,30): error GD0201: unknown name 'epsilon'", run.Rendered.Single());
        Assert.DoesNotContain(run.Sources, s => s.HintName != "GraphDslEmbeddedSources.g.cs");
    }

    [Fact]
    public void A_syntax_error_has_its_line_and_column()
    {
        var run = new GeneratorHarness().Input("syntax-error.moe").Generate();

        Assert.Equal(new[] { "/project/syntax-error.moe(5,1): error GD0101: missing ')' before '}'" }, run.Rendered);
    }

    [Fact]
    public void An_error_in_an_imported_project_file_points_into_that_file_once()
    {
        var run = new GeneratorHarness()
            .File("lib/blocks.moe", """
                block twice(x: [..., D]) {
                  return x + y
                }
                """)
            .File("model.moe", """
                import "lib/blocks"
                model M {
                  input x: f32[batch, seq, 4]
                  output y = twice(x, name: "t")
                }
                """)
            .Generate();

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("GD0201", d.Id);
        Assert.Equal("/project/lib/blocks.moe", d.Location.GetLineSpan().Path);
        Assert.Equal(1, d.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void A_syntax_error_in_a_library_is_reported_by_the_library_only()
    {
        var run = new GeneratorHarness()
            .File("lib.moe", "block b(x: [..., D]) {\n  return x +\n}\n")
            .File("a.moe", "import \"lib\"\nmodel A {\n  input x: f32[batch, 4]\n  output y = b(x, name: \"b\")\n}\n")
            .File("c.moe", "import \"lib\"\nmodel C {\n  input x: f32[batch, 4]\n  output y = b(x, name: \"b\")\n}\n")
            .Generate();

        Assert.All(run.Diagnostics, d => Assert.Equal("/project/lib.moe", d.Location.GetLineSpan().Path));
        Assert.Equal(run.Diagnostics.Length, run.Diagnostics.Select(d => d.ToString()).Distinct().Count());
        Assert.NotEmpty(run.Diagnostics);
    }

    [Fact]
    public void A_missing_import_is_reported_at_the_import()
    {
        var run = new GeneratorHarness()
            .File("m.moe", "import \"nowhere\"\nmodel M {\n  input x: f32[batch, 4]\n  output y = x\n}\n")
            .Generate();

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("GD0207", d.Id);
        Assert.StartsWith("/project/m.moe(1,1): error GD0207: cannot find import 'nowhere': no .moe file 'nowhere.moe'", d.ToString());
    }

    [Fact]
    public void A_file_of_blocks_only_is_a_library_not_an_error()
    {
        var run = new GeneratorHarness().File("lib.moe", "block id(x: [..., D]) {\n  return x\n}\n").Generate();

        Assert.Empty(run.Diagnostics);
        Assert.DoesNotContain(run.Sources, s => s.HintName.StartsWith("lib", System.StringComparison.Ordinal));
    }

    [Fact]
    public void A_GraphDsl_warning_stays_a_warning_and_the_class_is_generated()
    {
        // The frontend reports no warning today; this one adds GD0218 (unused value) to a real result.
        var warning = new ModelGenerator((source, model, resolver) =>
        {
            var r = GraphDsl.Frontend.Compiler.Compile(source, model, resolver);
            var unused = GraphDsl.Ir.Diagnostics.DiagnosticCatalog.UnusedValue.At(source.Span(0, 5), "h");
            return new GraphDsl.Frontend.CompilationResult(r.Module, r.Diagnostics.Append(unused).ToList(), r.Sources, r.Models);
        });
        var run = new GeneratorHarness(warning).File("w.moe", "model W {\n  input x: f32[batch, 4]\n  output y = x\n}\n").Generate();

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("/project/w.moe(1,1): warning GD0218: 'h' is computed but never used", d.ToString());
        Assert.Single(run.Sources, s => s.HintName == CSharpNames.HintName("w.moe", "W"));
    }

    [Fact]
    public void Weights_that_do_not_fit_warn_at_the_model_name()
    {
        var run = new GeneratorHarness().Sample("llama-3-70b")
            .Property("GraphDslHardware", "h100-sxm").Property("GraphDslGpus", "1").Generate();

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal(("GD0902", DiagnosticSeverity.Warning), (d.Id, d.Severity));
        Assert.Equal("/project/Models/llama-3-70b.moe(10,7): warning GD0902: model 'Llama3_70B' needs 141.1 GB for its weights (as declared), " +
            "more than 1 x h100-sxm hold (85.9 GB)", d.ToString());
        Assert.NotEmpty(run.Sources);
    }

    [Theory]
    [InlineData("h100-sxm", "2", null)]
    [InlineData("h200-sxm", "1", null)]
    [InlineData("h100-sxm", "1", "fp8")]
    [InlineData("gb200", "1", null)]      // 141.1 GB of BF16 weights in 199.7 GB (186 GiB)
    [InlineData("mi355x", "1", null)]     // and in 309.2 GB (288 GiB)
    public void Weights_that_fit_are_quiet(string hardware, string gpus, string? weights)
    {
        var harness = new GeneratorHarness().Sample("llama-3-70b").Property("GraphDslHardware", hardware).Property("GraphDslGpus", gpus);
        if (weights is not null) harness.Property("GraphDslWeights", weights);

        Assert.Empty(harness.Generate().Diagnostics);
    }

    [Fact]
    public void A_weight_format_changes_the_verdict()
    {
        var run = new GeneratorHarness().Sample("deepseek-v3")
            .Property("GraphDslHardware", "h200-sxm").Property("GraphDslGpus", "4").Property("GraphDslWeights", "int4").Generate();
        Assert.Empty(run.Diagnostics);

        var bf16 = new GeneratorHarness().Sample("deepseek-v3")
            .Property("GraphDslHardware", "h200-sxm").Property("GraphDslGpus", "4").Property("GraphDslWeights", "bf16").Generate();
        Assert.Contains("(in bf16), more than 4 x h200-sxm hold (605.6 GB)", Assert.Single(bf16.Diagnostics).GetMessage());
    }

    /// <summary>The new devices' memory in the fit check: DeepSeek-V3's BF16 weights outgrow 4 MI355X (4 x 288 GiB), its FP8
    /// weights fit them.</summary>
    [Fact]
    public void Mi355x_memory_decides_the_fit()
    {
        var bf16 = new GeneratorHarness().Sample("deepseek-v3")
            .Property("GraphDslHardware", "mi355x").Property("GraphDslGpus", "4").Property("GraphDslWeights", "bf16").Generate();
        Assert.Contains("(in bf16), more than 4 x mi355x hold (1237 GB)", Assert.Single(bf16.Diagnostics).GetMessage());
        var fp8 = new GeneratorHarness().Sample("deepseek-v3")
            .Property("GraphDslHardware", "mi355x").Property("GraphDslGpus", "4").Property("GraphDslWeights", "fp8").Generate();
        Assert.Empty(fp8.Diagnostics);
    }

    [Theory]
    [InlineData("GraphDslHardware", "h300", "GraphDslHardware 'h300' is not a known device")]
    [InlineData("GraphDslGpus", "zero", "GraphDslGpus 'zero' is not a positive integer")]
    [InlineData("GraphDslWeights", "fp7", "GraphDslWeights 'fp7': option 'weights' of pass 'quantize': 'fp7' is not one of")]
    [InlineData("GraphDslNamespace", "My-Models", "GraphDslNamespace 'My-Models' is not a valid C# namespace; using 'My_Models'")]
    public void A_bad_option_is_one_warning_for_the_project(string property, string value, string message)
    {
        var harness = new GeneratorHarness().Sample("tiny-moe").Sample("tiny-dense").Property(property, value);
        if (property != "GraphDslHardware") harness.Property("GraphDslHardware", "h100-sxm");

        var d = Assert.Single(harness.Generate().Diagnostics);
        Assert.Equal(("GD0903", DiagnosticSeverity.Warning, Location.None), (d.Id, d.Severity, d.Location));
        Assert.StartsWith(message, d.GetMessage());
    }

    [Fact]
    public void Two_files_with_one_model_name_are_an_error()
    {
        var model = "model Same {\n  input x: f32[batch, 4]\n  output y = x\n}\n";
        var run = new GeneratorHarness().File("a/same.moe", model).File("b/same.moe", model).Generate();

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("/project/b/same.moe(1,1): error GD0904: class 'TestProject.Same' is generated from both 'a/same.moe' and 'b/same.moe'; rename one of the models", d.ToString());
    }

    [Fact]
    public void Files_whose_names_read_alike_each_get_their_class()
    {
        // 'a b.moe' and 'a_b.moe' read 'a_b' in a hint name, and Roslyn compares hint names ignoring case: the
        // generator used to add 'a_b.Net.g.cs' and 'a_b.NET.g.cs', failed as a whole (CS8785, an ArgumentException
        // with its stack trace) and dropped every class; one file's 'Net' and 'NET' clashed the same way.
        var run = new GeneratorHarness()
            .File("a b.moe", "model Net {\n  input x: f32[batch, 4]\n  output y = x\n}\n")
            .File("a_b.moe", "model NET {\n  input x: f32[batch, 4]\n  output y = x\n}\n")
            .File("c.moe", "model Cat {\n  input x: f32[batch, 4]\n  output y = x\n}\nmodel CAT {\n  input x: f32[batch, 4]\n  output y = x\n}\n")
            .Generate();

        Assert.Empty(run.DriverDiagnostics);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Equal(new[] { "TestProject.CAT", "TestProject.Cat", "TestProject.NET", "TestProject.Net" },
            run.Output.SyntaxTrees.SelectMany(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>())
                .Select(c => "TestProject." + c.Identifier.Text).Where(n => n != "TestProject.UserCode" && !n.Contains("Embedded")).OrderBy(n => n, System.StringComparer.Ordinal));
    }

    [Fact]
    public void Two_models_of_one_class_in_folders_that_read_alike_are_one_error()
    {
        // Before the hint names were unique this was CS8785 (the generator failed) instead of GD0904.
        var model = "model Same {\n  input x: f32[batch, 4]\n  output y = x\n}\n";
        var run = new GeneratorHarness().File("a b/same.moe", model).File("a_b/same.moe", model).Generate();

        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id == "CS8785");
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("/project/a_b/same.moe(1,1): error GD0904: class 'TestProject.Same' is generated from both 'a b/same.moe' and 'a_b/same.moe'; rename one of the models", d.ToString());
    }
}

/// <summary>The generator's GD09xx descriptors and the GraphDsl catalog must not disagree: an id the
/// catalog defines must have the same title and severity here (the 09xx range is the generator's).</summary>
public class DescriptorCatalogTests
{
    [Fact]
    public void Generator_ids_are_in_the_09xx_range_and_agree_with_the_catalog()
    {
        foreach (var d in ModelGenerator.DiagnosticDescriptors.Generator)
        {
            Assert.StartsWith("GD09", d.Id);
            var entry = GraphDsl.Ir.Diagnostics.DiagnosticCatalog.All.FirstOrDefault(c => c.Id == d.Id);
            if (entry is null) continue;   // not in the catalog yet
            Assert.Equal(entry.Title, d.Title.ToString());
            Assert.Equal(ModelGenerator.DiagnosticDescriptors.ToRoslyn(entry.Severity), d.DefaultSeverity);
        }
        Assert.Equal(ModelGenerator.DiagnosticDescriptors.Generator.Length,
            ModelGenerator.DiagnosticDescriptors.Generator.Select(d => d.Id).Distinct().Count());
    }
}

