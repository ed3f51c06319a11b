using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.TestSupport;

namespace GraphDsl.Frontend.Tests.Diagnostics;

/// <summary>
/// The corpus of malformed inputs in invalid.moe: each case (split on '# -----') must produce exactly
/// the diagnostics its 'expected-error' comments state (id, line, message), and the rendered output of
/// all cases is snapshot-tested. No case may crash or produce an internal error.
/// </summary>
public class DiagnosticCorpusTests
{
    private static readonly Regex Expectation = new(@"expected-(error|warning)(@\+(\d+))?\s*\{\{(GD\d{4})(:\s*(.*?))?\}\}");

    public sealed record Case(int Index, int FirstLine, string Text);

    public static IReadOnlyList<Case> Cases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Diagnostics", "invalid.moe");
        var lines = File.ReadAllLines(path);
        var cases = new List<Case>();
        var current = new StringBuilder();
        int start = 1;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() == "# -----")
            {
                cases.Add(new Case(cases.Count, start, current.ToString()));
                current.Clear();
                start = i + 2;
                continue;
            }
            current.Append(lines[i]).Append('\n');
        }
        cases.Add(new Case(cases.Count, start, current.ToString()));
        return cases;
    }

    [Fact]
    public void Corpus_has_at_least_forty_cases() => Assert.True(Cases().Count >= 40, $"{Cases().Count} cases");

    public static TheoryData<int> CaseIndexes()
    {
        var d = new TheoryData<int>();
        foreach (var c in Cases()) d.Add(c.Index);
        return d;
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Each_case_reports_exactly_its_expected_diagnostics(int index)
    {
        var c = Cases()[index];
        var diagnostics = Compile(c);
        var expected = Expectations(c).ToList();
        Assert.NotEmpty(expected);
        Assert.DoesNotContain(diagnostics, d => d.Id == DiagnosticCatalog.InternalError.Id);
        var unmatched = diagnostics.ToList();
        foreach (var e in expected)
        {
            var hit = unmatched.FirstOrDefault(d => d.Id == e.Id && d.Span.Line == e.Line && d.Message.Contains(e.Text));
            Assert.True(hit is not null, $"case {index} (line {c.FirstLine}): expected {e.Id} at line {e.Line} containing \"{e.Text}\"; got:\n{Render(diagnostics)}");
            unmatched.Remove(hit!);
        }
        Assert.True(unmatched.Count == 0, $"case {index} (line {c.FirstLine}): unexpected diagnostics:\n{Render(unmatched)}");
    }

    [Fact]
    public void Rendered_diagnostics()
    {
        var sb = new StringBuilder();
        foreach (var c in Cases())
        {
            sb.Append("// ----- case ").Append(c.Index).Append(" (invalid.moe line ").Append(c.FirstLine).Append(")\n");
            sb.Append(Render(Compile(c)));
        }
        Snapshot.Verify(sb.ToString());
    }

    [Fact]
    public void Import_cycles_are_reported_with_the_cycle()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Diagnostics", "imports", "cycle_a.moe");
        var result = Compiler.CompileFile(path);
        var d = Assert.Single(result.Diagnostics, x => x.Id == DiagnosticCatalog.ImportCycle.Id);
        Assert.Matches(@"import cycle: .*cycle_a\.moe -> .*cycle_b\.moe -> .*cycle_a\.moe", d.Message);
        Assert.Equal(1, d.Span.Line);
    }

    private static IReadOnlyList<Diagnostic> Compile(Case c) =>
        Compiler.Compile(new SourceText("invalid.moe", c.Text)).Diagnostics;

    private static string Render(IEnumerable<Diagnostic> ds) => string.Concat(ds.Select(d => d + "\n"));

    private sealed record Expected(string Id, int Line, string Text);

    private static IEnumerable<Expected> Expectations(Case c)
    {
        var lines = c.Text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            foreach (Match m in Expectation.Matches(lines[i]))
            {
                int line = i + 1 + (m.Groups[3].Success ? int.Parse(m.Groups[3].Value) : 0);
                yield return new Expected(m.Groups[4].Value, line, m.Groups[6].Success ? m.Groups[6].Value : "");
            }
    }
}
