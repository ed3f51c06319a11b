using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using GraphDsl.Cli.Commands;

namespace GraphDsl.Cli.Tests;

/// <summary>Discoverability: every command's --help ends with examples that parse against the real command tree, and
/// `graphdsl completion bash|zsh|pwsh` scripts ask graphdsl itself ([suggest:N]) for commands, options and values.</summary>
[Collection(nameof(CliCollection))]
public class HelpAndCompletionTests
{
    [Fact]
    public void Every_command_that_runs_has_examples_and_every_example_parses()
    {
        var root = Program.BuildRoot();
        var leaves = Walk(root).Where(c => c.Action is not null).Select(HelpExamples.PathOf).ToList();
        Assert.Contains("predict", leaves);
        Assert.Empty(leaves.Except(HelpExamples.ByCommand.Keys));
        foreach (var (path, examples) in HelpExamples.ByCommand)
        {
            Assert.Contains(path, Walk(root).Select(HelpExamples.PathOf));
            foreach (var example in examples)
            {
                var line = CommandLineOf(example);
                Assert.StartsWith("graphdsl " + path, line);
                var parse = Program.BuildRoot().Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray());
                Assert.True(parse.Errors.Count == 0, $"'{example}': {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            }
        }
    }

    /// <summary>Parsing is not enough: predict's speculative example parsed but was a usage error when run (mtp:3 without
    /// --acceptance, which has no default). The examples of the quick commands that write no file run here, exit 0.</summary>
    [Theory]
    [InlineData("predict")]
    [InlineData("stats")]
    [InlineData("check")]
    [InlineData("compile")]
    [InlineData("hardware")]
    public void The_examples_of_quick_commands_run(string command)
    {
        foreach (var example in HelpExamples.ByCommand[command].Select(CommandLineOf).Where(l => !l.Contains(" -o ")))
        {
            var r = CliRunner.Run(example.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray());
            Assert.True(r.ExitCode == 0, $"'{example}': exit {r.ExitCode}\n{r.Err}");
        }
    }

    [Fact]
    public void Help_ends_with_the_examples_and_is_not_a_usage_error_without_the_required_options()
    {
        var r = CliRunner.Run("predict", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Err);
        var tail = r.Out.TrimEnd().Split('\n').TakeLast(HelpExamples.ByCommand["predict"].Length + 1).ToArray();
        Assert.Equal(new[] { "Examples:" }.Concat(HelpExamples.ByCommand["predict"].Select(e => "  " + e)), tail);
        Assert.Contains("Units: GB = 10^9 bytes", CliRunner.Run("--help").Out);
    }

    [Theory]
    [InlineData("graphdsl predict x --format c", "csv\ncsv-ops")]
    [InlineData("graphdsl predict x --hardware h1", "h100-pcie\nh100-sxm")]
    [InlineData("graphdsl pre", "predict")]
    [InlineData("graphdsl completion zs", "zsh")]
    public void The_suggest_directive_completes_commands_options_and_values(string line, string expected)
    {
        var r = CliRunner.Run($"[suggest:{line.Length}]", line);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Out.TrimEnd().Replace("\r", ""));
    }

    [Fact]
    public void Completion_scripts_call_the_suggest_directive_and_an_unknown_shell_is_a_usage_error()
    {
        foreach (var shell in CompletionCommand.Shells)
        {
            var r = CliRunner.Run("completion", shell);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("[suggest:", r.Out);
        }
        var bad = CliRunner.Run("completion", "fish");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("error GD0802: Argument 'fish' not recognized. Must be one of:", bad.Err);
    }

    /// <summary>The bash script in a real bash: graphdsl on the PATH (a wrapper over this build), a half-typed line, and
    /// COMPREPLY holds what graphdsl suggests.</summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_bash_script_completes_in_bash()
    {
        if (!File.Exists("/bin/bash")) return; // the project's machines are Linux with bash; elsewhere nothing to run
        var bin = Directory.CreateTempSubdirectory("graphdsl-completion-");
        try
        {
            var dll = typeof(Program).Assembly.Location;
            var wrapper = Path.Combine(bin.FullName, "graphdsl");
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet \"{dll}\" \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("""eval "$(graphdsl completion bash)"; COMP_LINE="graphdsl predict x --format c"; COMP_POINT=${#COMP_LINE}; """ +
                                   """COMP_WORDS=(graphdsl predict x --format c); COMP_CWORD=4; _graphdsl_complete; printf '%s\n' "${COMPREPLY[@]}" """);
            start.Environment["PATH"] = bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH");
            using var bash = Process.Start(start)!;
            var output = bash.StandardOutput.ReadToEnd();
            bash.WaitForExit();
            Assert.Equal("csv\ncsv-ops\n", output);
        }
        finally { bin.Delete(recursive: true); }
    }

    private static System.Collections.Generic.IEnumerable<Command> Walk(Command c) => new[] { c }.Concat(c.Subcommands.SelectMany(Walk));

    /// <summary>The graphdsl command line of an example: the part inside $(...) of an eval, without a redirection or pipe.</summary>
    private static string CommandLineOf(string example)
    {
        var line = example.Contains("$(", StringComparison.Ordinal) ? example[(example.IndexOf("$(", StringComparison.Ordinal) + 2)..example.IndexOf(')')] : example;
        foreach (var cut in new[] { " > ", " | " })
            if (line.IndexOf(cut, StringComparison.Ordinal) is var i and >= 0) line = line[..i];
        return line;
    }
}
