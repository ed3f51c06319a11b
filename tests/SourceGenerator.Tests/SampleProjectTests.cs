using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Analysis;
using GraphDsl.TestSupport;
using Xunit.Abstractions;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>samples/UserProject consumes the generator as a project reference: it builds, and the
/// program prints the facts the compiler computes for each of its models and the tokens its typed runner
/// generates, which are the reference interpreter's.</summary>
[Collection(nameof(DotNetBuilds))]
public class SampleProjectTests
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(8);
    private readonly ITestOutputHelper _log;

    public SampleProjectTests(ITestOutputHelper log) { _log = log; }

    [Fact]
    public void The_sample_user_project_builds_and_prints_each_models_facts()
    {
        var project = Path.Combine(Repo.Root, "samples", "UserProject");
        var build = DotNetProcess.Run(Repo.Root, BuildLimit, null,
            "build", Path.Combine(project, "UserProject.csproj"), "-c", "Debug", "--disable-build-servers", "-nologo").EnsureSuccess();
        _log.WriteLine($"dotnet build samples/UserProject: {build.Elapsed.TotalSeconds:0.0} s");
        Assert.DoesNotContain(": error GD", build.Output);
        Assert.DoesNotContain(": warning GD", build.Output);   // every model fits one H200 (GraphDslHardware in the project)

        var dll = Path.Combine(project, "bin", "Debug", "net10.0", "UserProject.dll");
        var run = DotNetProcess.Run(project, TimeSpan.FromMinutes(2), null, dll).EnsureSuccess();
        var printed = run.Output.Replace("\r\n", "\n").Split('\n');

        foreach (var (model, path) in Models(project))
        {
            var compiled = Compiler.CompileFile(Path.Combine(project, path));
            Assert.True(compiled.Success, string.Join("\n", compiled.Diagnostics));
            var s = ModelStats.Compute(compiled.Module!);
            var expected = $"{model} ({path}): parameters={Round(s.TotalParams)} active={Round(s.ActiveParams)} " +
                $"kv_bytes_per_token={Round(s.KvBytesPerToken)} weight_bytes={Round(s.WeightBytes)}";
            Assert.Contains(expected, printed);
        }
        Assert.Contains("Llama3_8B: d=4096 layers=32 heads=32 kv_heads=8 head_dim=128", printed);
        Assert.Contains("EdgeMoe.Module: 7 functions, IR matches build time: yes", printed);

        // The typed runner's tokens are the reference interpreter's for the same spec and seeded weights.
        var tinyMoe = GraphDsl.Backends.Ilgpu.Execution.ModelRunner.Prepare(Compiler.CompileFile(Path.Combine(project, "Models/tiny-moe.moe")).Module!);
        var weights = GraphDsl.Backends.Reference.WeightSet.FromArrays(
            GraphDsl.Backends.Weights.Initialization.WeightInitializer.Create(tinyMoe, 1).Select(w => (w.Name, w.Shape, w.Values)));
        var referenceTokens = new GraphDsl.Backends.Reference.Generation.Generator(new GraphDsl.Backends.Reference.Interpreter(tinyMoe, weights))
            .Generate(new[] { 1, 17, 42, 7, 256, 3 }, 8).Tokens;
        Assert.Contains(printed, line => line.StartsWith("TinyMoe generated on ", StringComparison.Ordinal) &&
            line.EndsWith($": {string.Join(" ", referenceTokens)} (prompt 1 17 42 7 256 3)", StringComparison.Ordinal));
    }

    private static IEnumerable<(string Model, string Path)> Models(string project) => new[]
    {
        ("TinyMoe", "Models/tiny-moe.moe"),
        ("Llama3_8B", "Models/llama-3-8b.moe"),
        ("EdgeMoe", "Models/edge-moe.moe"),
    };

    private static long Round(double value) => (long)Math.Round(value);
}
