using System;
using System.IO;
using System.Linq;
using System.Reflection;
using GraphDsl.Frontend;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Text;
using GraphDsl.TestSupport;
using Microsoft.CodeAnalysis;
using GraphDsl.SourceGenerator.Helpers;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>What the generator writes: snapshots of the emitted C#, and the emitted constants compiled,
/// loaded and compared with what the compiler computes directly.</summary>
public class GeneratedCodeTests
{
    [Theory]
    [InlineData("tiny-moe")]
    [InlineData("tiny-dense")]
    [InlineData("llama-3-8b")]
    public void Generated_class(string sample)
    {
        var run = new GeneratorHarness().Sample(sample).Generate();

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var model = run.Sources.Single(s => s.HintName.StartsWith("Models_" + sample + ".", StringComparison.Ordinal));
        Snapshot.Verify(model.SourceText.ToString(), sample, "cs");
    }

    [Fact]
    public void Embedded_sources_resolver()
    {
        var run = new GeneratorHarness().Sample("tiny-moe").Generate();
        Snapshot.Verify(run.Source("GraphDslEmbeddedSources.g.cs"), extension: "cs");
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Constants_equal_the_compilers_facts_and_Module_prints_IrText(string sample)
    {
        var run = new GeneratorHarness().Sample(sample).Generate();
        Assert.Empty(run.Diagnostics);
        var type = Load(run.Output).GetTypes().Single(t => t.Namespace == "TestProject" && t.IsPublic);

        var expected = Compiler.CompileFile(Repo.Sample(sample));
        Assert.True(expected.Success, string.Join("\n", expected.Diagnostics));
        var stats = ModelStats.Compute(expected.Module!);
        Assert.Equal((long)Math.Round(stats.TotalParams), Constant<long>(type, "TotalParameters"));
        Assert.Equal((long)Math.Round(stats.ActiveParams), Constant<long>(type, "ActiveParameters"));
        Assert.Equal((long)Math.Round(stats.KvBytesPerToken), Constant<long>(type, "KvBytesPerToken"));
        Assert.Equal((long)Math.Round(stats.WeightBytes), Constant<long>(type, "WeightBytes"));
        Assert.Equal(File.ReadAllText(Repo.Sample(sample)), Constant<string>(type, "Source"));
        foreach (var (name, value) in expected.Module!.EvaluateParams())
            Assert.Equal(value, Constant<long>(type, Helpers.CSharpNames.Pascal(name)));

        // The run-time module (compiled again by the frontend) is the module the generator printed.
        var irText = Constant<string>(type, "IrText");
        Assert.Equal(IrPrinter.Print(expected.Module!), irText);
        var module = (GraphDsl.Ir.Graph.Module)type.GetProperty("Module")!.GetValue(null)!;
        Assert.Equal(irText, IrPrinter.Print(module));
    }

    public static TheoryData<string> AllSamples()
    {
        var data = new TheoryData<string>();
        foreach (var s in Repo.TinyModels.Concat(Repo.RealModels)) data.Add(s);
        return data;
    }

    [Fact]
    public void A_file_with_two_models_gives_two_classes()
    {
        var run = new GeneratorHarness().Input("two-models.moe").Generate();

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Equal(new[] { "GraphDslEmbeddedSources.g.cs", CSharpNames.HintName("two-models.moe", "First"), CSharpNames.HintName("two-models.moe", "Second") },
            run.Sources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        var asm = Load(run.Output);
        Assert.Equal(32L, Constant<long>(asm.GetType("TestProject.First")!, "D"));
        Assert.Equal(48L, Constant<long>(asm.GetType("TestProject.Second")!, "D"));
    }

    [Fact]
    public void Clashing_parameter_names_get_a_suffix()
    {
        var run = new GeneratorHarness().Input("clashing-names.moe").Generate();

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var type = Load(run.Output).GetType("TestProject.Clash")!;
        Assert.Equal(1L, Constant<long>(type, "TotalParametersParam"));
        Assert.Equal(2L, Constant<long>(type, "SourceParam"));
        Assert.Equal(3L, Constant<long>(type, "KvHeads"));
        Assert.Equal(4L, Constant<long>(type, "KvHeadsParam"));
        Assert.Equal(5L, Constant<long>(type, "ClashParam"));
    }

    [Fact]
    public void With_the_ILGPU_backend_referenced_the_class_has_a_typed_runner()
    {
        var withRunner = new GeneratorHarness().Sample("tiny-moe").Generate(GeneratorHarness.Compilation(withFrontend: true, withRunner: true,
            "internal static class UserCode { static void Use(GraphDsl.Backends.Ilgpu.Runtime.IlgpuBackend b) { " +
            "using (var m = TestProject.TinyMoe.Load(\"w.safetensors\", b)) { m.Generate(new[] { 1, 2 }, 4); } } }"));
        Assert.Empty(withRunner.Diagnostics);
        Assert.Empty(withRunner.CompileErrors);
        Assert.Contains("public static global::GraphDsl.Backends.Ilgpu.Execution.ModelRunner Load(string weightsPath, global::GraphDsl.Backends.Ilgpu.Runtime.IlgpuBackend accelerator, string passes = null)",
            withRunner.Source(CSharpNames.HintName("Models/tiny-moe.moe", "TinyMoe")));
        // Without the backend there is no Load (the snapshots above are of that form).
        var without = new GeneratorHarness().Sample("tiny-moe").Generate();
        Assert.DoesNotContain("ModelRunner", without.Source(CSharpNames.HintName("Models/tiny-moe.moe", "TinyMoe")));
    }

    [Fact]
    public void Without_GraphDsl_Frontend_the_class_holds_constants_only()
    {
        var compilation = GeneratorHarness.Compilation(withFrontend: false);
        var run = new GeneratorHarness().Sample("tiny-moe").Generate(compilation);

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Equal(new[] { CSharpNames.HintName("Models/tiny-moe.moe", "TinyMoe") }, run.Sources.Select(s => s.HintName));
        Assert.DoesNotContain("GraphDsl.Frontend", run.Source(CSharpNames.HintName("Models/tiny-moe.moe", "TinyMoe")));
    }

    [Fact]
    public void GraphDslNamespace_sets_the_namespace_and_RootNamespace_is_the_default()
    {
        var named = new GeneratorHarness().Sample("tiny-dense").Property("GraphDslNamespace", "My.Models").Generate();
        Assert.Contains("namespace My.Models\n", named.Source(CSharpNames.HintName("Models/tiny-dense.moe", "TinyDense")));

        var root = new GeneratorHarness().Sample("tiny-dense").Property("RootNamespace", "my-app").Generate();
        Assert.Contains("namespace my_app\n", root.Source(CSharpNames.HintName("Models/tiny-dense.moe", "TinyDense")));
        Assert.Empty(root.Diagnostics);
    }

    [Fact]
    public void A_model_importing_a_project_file_compiles_again_at_run_time()
    {
        var run = new GeneratorHarness()
            .File("Models/blocks/layer.moe", """
                import "std/norm"
                block layer(x: [B, S, D]) {
                  return x + rmsnorm(x, name: "norm")
                }
                """)
            .File("Models/net.moe", """
                import "blocks/layer"
                model Net {
                  param d = 8
                  input x: f32[batch, seq, d]
                  output y = layer(x, name: "layer")
                }
                """)
            .Generate();

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Equal(new[] { "GraphDslEmbeddedSources.g.cs", CSharpNames.HintName("Models/net.moe", "Net") }, run.Sources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        Assert.Contains("\"Models/blocks/layer.moe\",", run.Source(CSharpNames.HintName("Models/net.moe", "Net")));
        var type = Load(run.Output).GetType("TestProject.Net")!;
        var result = (CompilationResult)type.GetMethod("Compile")!.Invoke(null, null)!;
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(Constant<string>(type, "IrText"), IrPrinter.Print(result.Module!));
    }

    internal static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray());
    }

    internal static T Constant<T>(Type type, string name)
    {
        var field = type.GetField(name, BindingFlags.Public | BindingFlags.Static);
        Assert.True(field is { IsLiteral: true }, $"{type.Name}.{name} is not a constant");
        return (T)field!.GetRawConstantValue()!;
    }
}
