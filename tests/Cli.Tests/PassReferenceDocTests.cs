using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>The pass reference at the end of docs/passes.md is generated from each pass's <see cref="PassInfo"/> (every
/// pass the CLI registers, place-experts included); this test fails with the regenerated text when they drift (run with
/// GRAPHDSL_ACCEPT=1 to rewrite it). The prose above the reference is written by hand.</summary>
public class PassReferenceDocTests
{
    private const string Heading = "## Pass reference";

    [Fact]
    public void Docs_give_every_pass_with_its_options_and_statistics()
    {
        Program.BuildRoot(); // registers the passes the backends bring, as the CLI's start-up does
        var path = Path.Combine(Repo.Root, "docs", "passes.md");
        var text = File.ReadAllText(path).Replace("\r\n", "\n");
        int at = text.IndexOf("\n" + Heading + "\n", StringComparison.Ordinal);
        var generated = Generate(PassRegistry.All);
        var expected = (at < 0 ? text + "\n" : text.Substring(0, at + 1)) + generated;
        if (Environment.GetEnvironmentVariable("GRAPHDSL_ACCEPT") == "1") File.WriteAllText(path, expected);
        else if (expected != text)
            Assert.Fail($"docs/passes.md's pass reference differs from the passes' PassInfo; run the tests with GRAPHDSL_ACCEPT=1 to rewrite it as:\n\n{generated}");
    }

    [Fact]
    public void The_reference_lists_an_option_that_was_undocumented()
    {
        // densify{multiple} was missing from the hand-written docs before the reference was generated.
        Assert.Contains("| `multiple` | int | `128` | round the dense hidden size to a multiple of this |", Generate(PassRegistry.All));
    }

    public static string Generate(IEnumerable<PassInfo> passes)
    {
        var sb = new StringBuilder();
        sb.Append(Heading).Append("\n\n");
        sb.Append("Generated from each pass's `PassInfo` by `PassReferenceDocTests` (`GRAPHDSL_ACCEPT=1 dotnet test tests/Cli.Tests`);\n");
        sb.Append("do not edit it by hand. `graphdsl passes` prints the same.\n");
        foreach (var p in passes)
        {
            sb.Append("\n### `").Append(p.Name).Append("`\n\n").Append(p.Summary).Append('\n');
            if (p.Options.Count > 0)
            {
                sb.Append("\n| option | values | default | meaning |\n|---|---|---|---|\n");
                foreach (var o in p.Options)
                {
                    var values = o.Choices is null ? o.Kind.ToString().ToLowerInvariant() : string.Join(", ", o.Choices.Select(c => "`" + c + "`"));
                    var dflt = string.IsNullOrEmpty(o.Default) ? "(none)" : "`" + o.Default + "`";
                    sb.Append($"| `{o.Name}` | {values} | {dflt} | {o.Doc.Replace("|", "\\|")} |\n");
                }
            }
            if (p.Statistics.Count > 0) sb.Append("\nStatistics: ").Append(string.Join(", ", p.Statistics.Select(s => "`" + s + "`"))).Append(".\n");
        }
        return sb.ToString();
    }
}
