using System.IO;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Analysis;
using GraphDsl.TestSupport;

namespace GraphDsl.Import.Tests;

/// <summary>The vendored configs (Fixtures/NAME/config.json; sources and licences in Fixtures/README.md), imported and compiled.</summary>
internal static class Fixtures
{
    public static string Folder(string name) => Path.Combine(Repo.Root, "tests", "Import.Tests", "Fixtures", name);

    public static ImportResult Import(string name)
    {
        var result = HfImporter.Import(Folder(name));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result;
    }

    public static CompilationResult Compile(string spec, string? model = null)
    {
        var compiled = Compiler.Compile(new SourceText("imported.moe", spec), model);
        Assert.True(compiled.Success, string.Join("\n", compiled.Diagnostics) + "\n" + spec);
        return compiled;
    }

    public static ModelStats Stats(string name, string? model = null) => ModelStats.Compute(Compile(Import(name).Spec!, model).Module!);

    public static ModelStats SampleStats(string sample, string? model = null)
    {
        var compiled = Compiler.CompileFile(Repo.Sample(sample), model);
        Assert.True(compiled.Success, string.Join("\n", compiled.Diagnostics));
        return ModelStats.Compute(compiled.Module!);
    }
}
