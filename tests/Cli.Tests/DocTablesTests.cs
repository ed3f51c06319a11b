using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// The tables in docs/passes.md are what the command printed beside them prints: every `graphdsl` command of a
/// ```sh block runs (in order, so route-stats writes the statistics a later sweep reads), and a markdown table that
/// follows the block must equal the last command's output table. GRAPHDSL_ACCEPT=1 rewrites the tables.
/// </summary>
[Collection(nameof(CliCollection))]
public class DocTablesTests
{
    [Theory]
    [InlineData("docs/passes.md")]
    public void Tables_match_the_commands_beside_them(string doc)
    {
        var path = Path.Combine(Repo.Root, doc);
        var lines = File.ReadAllLines(path).ToList();
        var created = new List<string>();
        var mismatches = new List<string>();
        int tables = 0;
        try
        {
            for (int i = 0; i < lines.Count; i++)
            {
                if (lines[i].Trim() != "```sh") continue;
                int end = lines.FindIndex(i + 1, l => l.Trim() == "```");
                var commands = Join(lines.GetRange(i + 1, end - i - 1));
                string? lastOutput = null;
                foreach (var command in commands)
                {
                    var args = Split(command);
                    if (args.Count == 0 || args[0] != "graphdsl") continue;
                    var r = CliRunner.Run(args.Skip(1).ToArray());
                    Assert.True(r.ExitCode == 0, $"{doc}: `{command}` failed: {r.Err}");
                    lastOutput = r.Out;
                    int o = args.IndexOf("-o");
                    if (o > 0) created.Add(Path.Combine(Repo.Root, args[o + 1]));
                }
                // A table right after the block (one blank line between) is that output.
                int t = end + 1;
                while (t < lines.Count && lines[t].Trim().Length == 0) t++;
                if (lastOutput is null || t >= lines.Count || !lines[t].StartsWith("|", StringComparison.Ordinal)) { i = end; continue; }
                int tableEnd = t;
                while (tableEnd < lines.Count && lines[tableEnd].StartsWith("|", StringComparison.Ordinal)) tableEnd++;
                // The output's table (the sentences after it, such as the profile used, are not part of it).
                var expected = lastOutput.TrimEnd('\n').Split('\n').TakeWhile(l => l.StartsWith("|", StringComparison.Ordinal)).ToList();
                var actual = lines.GetRange(t, tableEnd - t);
                tables++;
                if (!expected.SequenceEqual(actual))
                {
                    mismatches.Add($"table at line {t + 1} differs from `{commands.Last()}`:\n{string.Join("\n", expected)}");
                    lines.RemoveRange(t, tableEnd - t);
                    lines.InsertRange(t, expected);
                }
                i = t + expected.Count;
            }
        }
        finally
        {
            foreach (var f in created) File.Delete(f);
        }
        Assert.True(tables > 0, $"{doc} has no table produced by a command");
        if (mismatches.Count > 0 && Environment.GetEnvironmentVariable("GRAPHDSL_ACCEPT") == "1")
        {
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
            return;
        }
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches) + "\n(rerun with GRAPHDSL_ACCEPT=1 to update the document)");
    }

    /// <summary>Shell lines with trailing backslashes joined.</summary>
    private static List<string> Join(List<string> lines)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.EndsWith("\\", StringComparison.Ordinal)) { current.Append(line, 0, line.Length - 1); continue; }
            current.Append(line);
            if (current.ToString().Trim().Length > 0) result.Add(current.ToString().Trim());
            current.Clear();
        }
        return result;
    }

    /// <summary>Words of a shell command: whitespace separates, double or single quotes group.</summary>
    private static List<string> Split(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char quote = '\0';
        bool any = false;
        foreach (var c in command)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; else word.Append(c); continue; }
            if (c is '"' or '\'') { quote = c; any = true; continue; }
            if (char.IsWhiteSpace(c)) { if (any || word.Length > 0) words.Add(word.ToString()); word.Clear(); any = false; continue; }
            word.Append(c);
        }
        if (any || word.Length > 0) words.Add(word.ToString());
        return words;
    }
}
