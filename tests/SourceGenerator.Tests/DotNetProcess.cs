using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Xunit.Sdk;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>
/// Runs the dotnet CLI for the end-to-end tests, with a time limit and a failure message that shows
/// the command, the exit code, the time taken and the end of its output. CI has two cores, so the
/// limits are generous; MSBuild and compiler servers are off, so nothing outlives the test.
/// </summary>
internal static class DotNetProcess
{
    public sealed record Result(string Command, int ExitCode, string Output, TimeSpan Elapsed)
    {
        /// <summary>Fails the test unless the command succeeded.</summary>
        public Result EnsureSuccess()
        {
            if (ExitCode != 0)
                throw new XunitException($"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:0} s. Last output:\n{Tail(Output)}");
            return this;
        }
    }

    public static Result Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(GraphDsl.TestSupport.DotNet.Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        // The test host runs under `dotnet test`, whose MSBuild variables would steer the child build.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["UseSharedCompilation"] = "false";
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;

        var command = "dotnet " + string.Join(" ", args);
        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* it ended meanwhile */ }
            process.WaitForExit(10_000);
            string partial;
            lock (output) partial = output.ToString();
            throw new XunitException($"`{command}` did not finish within {timeout.TotalSeconds:0} s (killed). Last output:\n{Tail(partial)}");
        }
        process.WaitForExit();   // drains the redirected streams
        lock (output) return new Result(command, process.ExitCode, output.ToString(), watch.Elapsed);
    }

    private static string Tail(string text, int lines = 60)
    {
        var all = text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }
}

/// <summary>Tests that run `dotnet build` or `dotnet pack` share the repository's build outputs, so they
/// run one at a time, after the in-process tests.</summary>
[CollectionDefinition(nameof(DotNetBuilds), DisableParallelization = true)]
public sealed class DotNetBuilds { }
