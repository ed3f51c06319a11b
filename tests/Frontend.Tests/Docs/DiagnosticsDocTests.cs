using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.TestSupport;

namespace GraphDsl.Frontend.Tests.Docs;

/// <summary>docs/diagnostics.md is generated from the one diagnostic catalog; this test fails when they
/// drift (run with GRAPHDSL_ACCEPT=1 to regenerate the file), and checks ids are unique and in range.</summary>
public class DiagnosticsDocTests
{
    [Fact]
    public void Ids_are_unique_and_well_formed()
    {
        var ids = DiagnosticCatalog.All.Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches(@"^GD0[1-9]\d\d$", id));
    }

    [Fact]
    public void Docs_list_every_diagnostic()
    {
        var path = Path.Combine(Repo.Root, "docs", "diagnostics.md");
        var expected = Generate();
        if (System.Environment.GetEnvironmentVariable("GRAPHDSL_ACCEPT") == "1") File.WriteAllText(path, expected);
        Assert.True(File.Exists(path), "docs/diagnostics.md is missing; run the tests with GRAPHDSL_ACCEPT=1");
        Assert.Equal(expected, File.ReadAllText(path).Replace("\r\n", "\n"));
    }

    private static string Generate()
    {
        var sb = new StringBuilder();
        sb.Append("# Diagnostics\n\n");
        sb.Append("Every problem GraphDsl reports has a stable id, printed as `file:line:col: error GD0201: message`.\n");
        sb.Append("Ids are grouped by stage: 01xx lexing and parsing, 02xx names and imports, 03xx types and shapes,\n");
        sb.Append("04xx IR verifier and IR text, 05xx pass pipelines, 06xx cost model, 07xx execution, 08xx command line,\n");
        sb.Append("09xx source generator. An id is never reused.\n\n");
        sb.Append("This file is generated from `src/Ir/Diagnostics/DiagnosticCatalog.cs` by `DiagnosticsDocTests`\n");
        sb.Append("(`GRAPHDSL_ACCEPT=1 dotnet test tests/Frontend.Tests`); do not edit it by hand.\n\n");
        sb.Append("| id | severity | title | message |\n|---|---|---|---|\n");
        foreach (var d in DiagnosticCatalog.All)
            sb.Append($"| {d.Id} | {Diagnostic.SeverityText(d.Severity)} | {d.Title} | `{d.MessageFormat.Replace("|", "\\|")}` |\n");
        return sb.ToString();
    }
}
