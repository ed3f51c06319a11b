using System;
using System.IO;
using System.Threading;

namespace GraphDsl.Cli.Tests;

/// <summary>The one way tests run a `graphdsl` command line: in-process, through <see cref="Program.Main"/> (so usage
/// errors, exit codes and the start-up registrations are the real ones), in the repository root, with standard output
/// and error captured. Console redirection is process-wide, so CLI tests run one at a time (see <see cref="CliCollection"/>).
/// Other test projects that run commands compile this file in (Backends.CostModel.Placement.Tests).</summary>
public static class CliRunner
{
    private static readonly object Gate = new();

    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public string All => Out + Err;
    }

    public static Result Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out; var oldErr = Console.Error;
            var o = new StringWriter(); var e = new StringWriter();
            var cwd = Directory.GetCurrentDirectory();
            try
            {
                Console.SetOut(o); Console.SetError(e);
                Directory.SetCurrentDirectory(GraphDsl.TestSupport.Repo.Root);
                var code = Program.Main(args);
                return new Result(code, o.ToString(), e.ToString());
            }
            finally
            {
                Console.SetOut(oldOut); Console.SetError(oldErr);
                Directory.SetCurrentDirectory(cwd);
            }
        }
    }
}

[CollectionDefinition(nameof(CliCollection), DisableParallelization = true)]
public sealed class CliCollection { }
