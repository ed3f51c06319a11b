using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using GraphDsl.Frontend.Formatting;
using GraphDsl.Frontend.Parsing;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;
using GraphDsl.TestSupport;

namespace GraphDsl.Frontend.Tests.Docs;

/// <summary>
/// Keeps docs/language.md honest: every ```moe block is a complete file that compiles (or, for a
/// library without a model, parses with its imports) and is in canonical format; every ```moe-error
/// block fails with the diagnostics printed in the ```text block after it; the op table lists every
/// callable op with all its operands and attributes; the standard-library table lists every block
/// with all its parameters; the dtype table lists every dtype name.
/// </summary>
public class LanguageDocTests
{
    private const string DocPath = "docs/language.md";

    /// <summary>A fenced code block: its tag (the text after the backticks), the doc line of its
    /// opening fence (1-based), its text, and its number among the blocks of the same tag (1-based).</summary>
    private sealed record Fence(string Tag, int Line, string Text, int Number);

    private static string ReadDoc()
    {
        var path = Path.Combine(Repo.Root, "docs", "language.md");
        Assert.True(File.Exists(path), $"{DocPath} is missing");
        return File.ReadAllText(path).Replace("\r\n", "\n");
    }

    private static List<Fence> Fences(string doc)
    {
        var lines = doc.Split('\n');
        var fences = new List<Fence>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal)) continue;
            var tag = lines[i].Substring(3).Trim();
            int end = i + 1;
            while (end < lines.Length && lines[end].Trim() != "```") end++;
            Assert.True(end < lines.Length, $"{DocPath}:{i + 1}: code block is never closed");
            counts[tag] = counts.TryGetValue(tag, out var n) ? n + 1 : 1;
            var text = string.Join("\n", lines.Skip(i + 1).Take(end - i - 1)) + "\n";
            fences.Add(new Fence(tag, i + 1, text, counts[tag]));
            i = end;
        }
        return fences;
    }

    private static Fence Example(string tag, int number) => Fences(ReadDoc()).Single(f => f.Tag == tag && f.Number == number);

    public static IEnumerable<object[]> MoeExamples() =>
        Fences(ReadDoc()).Where(f => f.Tag == "moe").Select(f => new object[] { f.Number });

    public static IEnumerable<object[]> ErrorExamples() =>
        Fences(ReadDoc()).Where(f => f.Tag == "moe-error").Select(f => new object[] { f.Number });

    private static SourceText Source(Fence f) => new($"{DocPath}#{f.Number}", f.Text);

    private static FileSyntax? Parse(Fence f, DiagnosticBag bag) => SyntaxParser.Parse(Source(f), bag);

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => "  " + d));

    [Fact]
    public void Doc_has_checked_examples()
    {
        var fences = Fences(ReadDoc());
        Assert.True(fences.Count(f => f.Tag == "moe") >= 10, "expected at least 10 ```moe examples");
        Assert.Contains(fences, f => f.Tag == "moe-error");
    }

    [Theory]
    [MemberData(nameof(MoeExamples))]
    public void Moe_example_is_accepted(int number)
    {
        var f = Example("moe", number);
        var bag = new DiagnosticBag();
        var syntax = Parse(f, bag);
        Assert.True(syntax is not null && !bag.HasErrors,
            $"{DocPath}:{f.Line}: example {number} does not parse:\n{Describe(bag.Items)}");
        if (syntax!.Models.Count > 0)
        {
            var result = Compiler.Compile(Source(f));
            Assert.True(result.Success, $"{DocPath}:{f.Line}: example {number} does not compile:\n{Describe(result.Diagnostics)}");
        }
        else
        {
            var errors = Compiler.CheckSyntax(Source(f)).Where(d => d.Severity == Severity.Error).ToList();
            Assert.True(errors.Count == 0, $"{DocPath}:{f.Line}: library example {number} has errors:\n{Describe(errors)}");
        }
    }

    [Theory]
    [MemberData(nameof(MoeExamples))]
    public void Moe_example_is_canonically_formatted(int number)
    {
        var f = Example("moe", number);
        var formatted = Formatter.Format(Source(f), new DiagnosticBag());
        Assert.NotNull(formatted);
        Assert.True(formatted == f.Text,
            $"{DocPath}:{f.Line}: example {number} is not in canonical format; `graphdsl fmt` gives:\n{formatted}");
    }

    private static readonly Regex DiagnosticLine = new(
        @"^\S+?:(?<line>\d+):(?<col>\d+): (?<sev>error|warning) (?<id>GD\d{4}): (?<msg>.*)$", RegexOptions.Multiline);

    [Theory]
    [MemberData(nameof(ErrorExamples))]
    public void Error_example_fails_with_the_shown_diagnostics(int number)
    {
        var fences = Fences(ReadDoc());
        var f = fences.Single(x => x.Tag == "moe-error" && x.Number == number);
        var bag = new DiagnosticBag();
        var syntax = Parse(f, bag);
        IReadOnlyList<Diagnostic> diagnostics = syntax is not null && syntax.Models.Count == 0
            ? Compiler.CheckSyntax(Source(f))
            : Compiler.Compile(Source(f)).Diagnostics;
        Assert.True(diagnostics.Any(d => d.Severity == Severity.Error), $"{DocPath}:{f.Line}: error example {number} compiles without errors");

        var next = fences.IndexOf(f) + 1;
        Assert.True(next < fences.Count && fences[next].Tag == "text",
            $"{DocPath}:{f.Line}: error example {number} must be followed by a ```text block with its diagnostics");
        var expected = DiagnosticLine.Matches(fences[next].Text).Cast<Match>().ToList();
        Assert.True(expected.Count > 0, $"{DocPath}:{fences[next].Line}: no 'file:line:col: error GDxxxx: message' line");
        foreach (var m in expected)
        {
            int line = int.Parse(m.Groups["line"].Value), col = int.Parse(m.Groups["col"].Value);
            var id = m.Groups["id"].Value;
            var message = m.Groups["msg"].Value.TrimEnd();
            Assert.True(diagnostics.Any(d => d.Id == id && d.Span.Line == line && d.Span.Column == col && d.Message == message),
                $"{DocPath}:{fences[next].Line}: error example {number} does not report '{line}:{col}: {id}: {message}'; it reports:\n{Describe(diagnostics)}");
        }
    }

    /// <summary>The lines of the section that starts with the heading <paramref name="title"/>.</summary>
    private static List<string> Section(string doc, string title)
    {
        var lines = doc.Split('\n');
        int start = Array.FindIndex(lines, l => l.TrimEnd() == "## " + title);
        Assert.True(start >= 0, $"{DocPath} has no section '## {title}'");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)).ToList();
    }

    private static string[] Cells(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    [Fact]
    public void Op_table_lists_every_callable_op_with_its_operands_and_attributes()
    {
        var rows = Section(ReadDoc(), "Builtin ops").Where(l => l.StartsWith("| `", StringComparison.Ordinal)).Select(Cells).ToList();
        var callable = OpRegistry.All.Where(d => d.Callable).ToList();
        var problems = new List<string>();
        foreach (var row in rows)
            foreach (Match m in Regex.Matches(row[0], @"`([a-z_]+\.[a-z_]+)`"))
                if (!callable.Any(d => d.Name == m.Groups[1].Value)) problems.Add($"{m.Groups[1].Value} is in the table but is not a callable op");
        foreach (var def in callable)
        {
            var matching = rows.Where(r => r[0].Contains("`" + def.Name + "`", StringComparison.Ordinal)).ToList();
            if (matching.Count != 1) { problems.Add($"{def.Name}: {matching.Count} rows (expected 1)"); continue; }
            var row = matching[0];
            if (row.Length < 4) { problems.Add($"{def.Name}: the row needs op, operands, attributes and meaning cells"); continue; }
            int at = 0;
            foreach (var o in def.Operands)
            {
                var written = "`" + o.Name + (o.Kind switch { OperandKind.Optional => "?", OperandKind.Variadic => "...", _ => "" }) + "`";
                int i = row[1].IndexOf(written, at, StringComparison.Ordinal);
                if (i < 0) problems.Add($"{def.Name}: operand {written} missing or out of order");
                else at = i + written.Length;
            }
            foreach (var a in def.Attrs)
                if (!row[2].Contains("`" + a.Name + "`", StringComparison.Ordinal)) problems.Add($"{def.Name}: attribute `{a.Name}` missing");
        }
        Assert.True(problems.Count == 0, "docs/language.md op table:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Standard_library_table_lists_every_block_with_its_parameters()
    {
        var section = Section(ReadDoc(), "Standard library");
        var problems = new List<string>();
        foreach (var module in StandardLibrary.Modules)
        {
            var source = StandardLibrary.Load(module);
            Assert.NotNull(source);
            var bag = new DiagnosticBag();
            var file = SyntaxParser.Parse(source!, bag);
            Assert.True(file is not null && !bag.HasErrors, $"{module} does not parse");
            foreach (var block in file!.Blocks)
            {
                var line = section.FirstOrDefault(l => l.Contains("`" + block.Name + "(", StringComparison.Ordinal));
                if (line is null) { problems.Add($"{module}: block {block.Name} is not listed"); continue; }
                if (!line.Contains("`" + module + "`", StringComparison.Ordinal)) problems.Add($"{block.Name}: module `{module}` not named");
                foreach (var p in block.Params)
                    if (!Regex.IsMatch(line, $@"[(,] ?{Regex.Escape(p.Name)}:")) problems.Add($"{block.Name}: parameter {p.Name} missing");
                var listed = Regex.Match(line, "`" + Regex.Escape(block.Name) + @"\(([^`]*)\)`");
                var count = listed.Success ? Regex.Matches(listed.Groups[1].Value, @"(?:^|, )\w+:").Count : -1;
                if (count != block.Params.Count)
                    problems.Add($"{block.Name}: the signature lists {count} parameters, the block has {block.Params.Count}");
            }
        }
        Assert.True(problems.Count == 0, "docs/language.md standard library:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Dtype_table_lists_every_dtype_name()
    {
        var section = string.Join("\n", Section(ReadDoc(), "Dtypes"));
        var missing = DType.KnownNames.Where(n => !section.Contains("`" + n + "`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/language.md dtypes: missing " + string.Join(", ", missing));
    }
}
