using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Names = GraphDsl.SourceGenerator.ModelGenerator.TrackingNames;
using GraphDsl.SourceGenerator.Helpers;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>The pipeline caches: a second run over unchanged inputs recomputes nothing, and an edit
/// recomputes only what depends on it (checked on the tracked steps).</summary>
public class IncrementalityTests
{
    private static readonly IncrementalStepRunReason[] Reused = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    [Fact]
    public void A_second_run_with_unchanged_inputs_reuses_every_step()
    {
        var harness = new GeneratorHarness().Sample("tiny-moe").Sample("tiny-dense");
        var compilation = GeneratorHarness.Compilation(withFrontend: true);
        var driver = harness.CreateDriver().RunGenerators(compilation);

        var second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        foreach (var name in new[] { Names.Files, Names.AllFiles, Names.Inputs, Names.Options, Names.Results, Names.Models, Names.Diagnostics, Names.FrontendReferenced })
            Assert.All(Outputs(second, name), reason => Assert.Contains(reason, Reused));
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Editing_CSharp_code_does_not_parse_the_models_again()
    {
        var harness = new GeneratorHarness().Sample("tiny-moe");
        var compilation = GeneratorHarness.Compilation(withFrontend: true);
        var driver = harness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Other { }", GeneratorHarness.ParseOptions));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(Outputs(second, Names.Results), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.All(Outputs(second, Names.FrontendReferenced), reason => Assert.Contains(reason, Reused));
    }

    [Fact]
    public void Editing_one_moe_file_parses_only_that_file_again()
    {
        var harness = new GeneratorHarness().Sample("tiny-moe").Sample("tiny-dense");
        var compilation = GeneratorHarness.Compilation(withFrontend: true);
        var driver = harness.CreateDriver().RunGenerators(compilation);

        var dense = harness.Files.Single(f => f.Path.EndsWith("tiny-dense.moe", System.StringComparison.Ordinal));
        var changed = new EditedText(dense.Path, dense.GetText()!.ToString().Replace("param ffn_hidden = 256", "param ffn_hidden = 512"));
        var second = driver.ReplaceAdditionalText(dense, changed).RunGenerators(compilation).GetRunResult().Results.Single();

        var results = second.TrackedSteps[Names.Results].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2, results.Count);
        Assert.Single(results, o => o.Reason == IncrementalStepRunReason.Cached && ((Model.ModelFileResult)o.Value).Path.EndsWith("tiny-moe.moe", System.StringComparison.Ordinal));
        Assert.Single(results, o => o.Reason == IncrementalStepRunReason.Modified && ((Model.ModelFileResult)o.Value).Path.EndsWith("tiny-dense.moe", System.StringComparison.Ordinal));
        Assert.Contains("public const long FfnHidden = 512L;", second.GeneratedSources.Single(s => s.HintName.Contains("TinyDense")).SourceText.ToString());
    }

    [Fact]
    public void Editing_an_imported_file_parses_its_importer_again()
    {
        var harness = new GeneratorHarness()
            .File("lib.moe", "block b(x: [..., D]) {\n  return x\n}\n")
            .File("m.moe", "import \"lib\"\nmodel M {\n  input x: f32[batch, 4]\n  output y = b(x, name: \"b\")\n}\n");
        var compilation = GeneratorHarness.Compilation(withFrontend: true);
        var driver = harness.CreateDriver().RunGenerators(compilation);

        var lib = harness.Files.Single(f => f.Path.EndsWith("lib.moe", System.StringComparison.Ordinal));
        var second = driver.ReplaceAdditionalText(lib, new EditedText(lib.Path, "block b(x: [..., D]) {\n  return x + x\n}\n"))
            .RunGenerators(compilation).GetRunResult().Results.Single();

        var importer = second.TrackedSteps[Names.Results].SelectMany(s => s.Outputs)
            .Single(o => ((Model.ModelFileResult)o.Value).Path.EndsWith("m.moe", System.StringComparison.Ordinal));
        Assert.Equal(IncrementalStepRunReason.Modified, importer.Reason);
        Assert.Contains("nn.add", second.GeneratedSources.Single(s => s.HintName == CSharpNames.HintName("m.moe", "M")).SourceText.ToString());
    }

    [Fact]
    public void Changing_an_option_parses_again()
    {
        var harness = new GeneratorHarness().Sample("tiny-moe");
        var compilation = GeneratorHarness.Compilation(withFrontend: true);
        var driver = harness.CreateDriver().RunGenerators(compilation);

        var second = driver.WithUpdatedAnalyzerConfigOptions(harness.Property("GraphDslNamespace", "Other").Options)
            .RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.All(Outputs(second, Names.Results), reason => Assert.Equal(IncrementalStepRunReason.Modified, reason));
        Assert.Contains("namespace Other\n", second.GeneratedSources.Single(s => s.HintName.Contains("TinyMoe")).SourceText.ToString());
    }

    private static IEnumerable<IncrementalStepRunReason> Outputs(GeneratorRunResult result, string step)
    {
        Assert.True(result.TrackedSteps.ContainsKey(step), $"step '{step}' is not tracked");
        return result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);
    }

    private sealed class EditedText : AdditionalText
    {
        private readonly SourceText _text;
        public EditedText(string path, string text) { Path = path; _text = SourceText.From(text); }
        public override string Path { get; }
        public override SourceText GetText(System.Threading.CancellationToken cancellationToken = default) => _text;
    }
}
