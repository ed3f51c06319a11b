using System;
using System.Linq;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>
/// The generator applies the command line's import rule with the project folder as the only root: an import
/// is a relative path to a .moe file inside the project. A file outside the project may be compiled (it is an
/// additional file), but never imported, and the class the generator emits refuses the same imports at run time.
/// </summary>
public class ImportConfinementTests
{
    private const string Leaked = "block leaked(x: [..., D]) {\n  return x\n}\n";

    private static string Model(string import) =>
        $"import \"{import}\"\nmodel M {{\n  input x: f32[batch, 4]\n  output y = leaked(x)\n}}\n";

    /// <summary>The diagnostics located in /project/m.moe, as the build prints them.</summary>
    private static string[] DiagnosticsOfM(string import) =>
        new GeneratorHarness()
            .File("../outside/secret.moe", Leaked)
            .File("inside.moe", Leaked)
            .File("m.moe", Model(import))
            .Generate()
            .Rendered.Where(d => d.StartsWith("/project/m.moe(", StringComparison.Ordinal)).ToArray();

    [Fact]
    public void A_project_file_is_imported() =>
        Assert.Empty(DiagnosticsOfM("inside"));

    [Fact]
    public void An_import_leading_out_of_the_project_is_refused_though_the_file_is_an_additional_file() =>
        Assert.Equal(new[] { "/project/m.moe(1,1): error GD0222: cannot import '../outside/secret': it leads outside the project folder" },
            DiagnosticsOfM("../outside/secret").Where(d => d.Contains("GD0222")).ToArray());

    [Fact]
    public void An_absolute_import_is_refused() =>
        Assert.Contains("/project/m.moe(1,1): error GD0222: cannot import '/project/inside.moe': absolute paths cannot be imported; name the file relative to the importing file or to an import root",
            DiagnosticsOfM("/project/inside.moe"));

    [Fact]
    public void Only_moe_files_are_imported() =>
        Assert.Contains("/project/m.moe(1,1): error GD0222: cannot import 'inside.txt': only .moe files can be imported, not '.txt'",
            DiagnosticsOfM("inside.txt"));

    [Fact]
    public void The_generated_resolver_refuses_what_the_generator_refuses()
    {
        var run = new GeneratorHarness().File("Models/a.moe", Model("lib")).File("Models/lib.moe", Leaked).Generate();
        var type = GeneratedCodeTests.Load(run.Output).GetType("GraphDsl.Generated.GraphDslEmbeddedSources")!;
        // Even a copy embedded under a path outside the project (none is, at build time) is not served.
        var resolver = (ISourceResolver)Activator.CreateInstance(type, new object[] { new[] { "Models/lib.moe", Leaked, "../secret.moe", Leaked } })!;

        Assert.NotNull(resolver.Resolve("lib", "Models/a.moe").Source);
        var outside = resolver.Resolve("../../secret", "Models/a.moe");
        Assert.Null(outside.Source);
        Assert.Equal("GD0222: cannot import '../../secret': it leads outside the project folder", Describe(outside));
        Assert.Equal("GD0207: cannot find import 'nowhere': 'Models/nowhere.moe' was not embedded at build time", Describe(resolver.Resolve("nowhere", "Models/a.moe")));
    }

    private static string Describe(ImportResult r)
    {
        var d = r.ProblemAt(SourceSpan.None);
        return d.Id + ": " + d.Message;
    }
}
