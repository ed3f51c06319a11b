using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>
/// Runs <c>graphdsl place</c> in-process with captured output: through <c>Program.Main</c> once the command is
/// registered, until then through <c>PlaceCommand.Create()</c> (internal, reached by reflection) under a root
/// command that behaves like Program's (parse errors exit 2). Console redirection is process-wide, hence the lock.
/// </summary>
public static class PlaceCli
{
    private static readonly object Gate = new();

    public sealed record Result(int ExitCode, string Out, string Err);

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
                Directory.SetCurrentDirectory(Repo.Root);
                var code = Registered() ? GraphDsl.Cli.Program.Main(new[] { "place" }.Concat(args).ToArray()) : Invoke(args);
                return new Result(code, o.ToString(), e.ToString());
            }
            finally
            {
                Console.SetOut(oldOut); Console.SetError(oldErr);
                Directory.SetCurrentDirectory(cwd);
            }
        }
    }

    private static bool Registered() => GraphDsl.Cli.Program.BuildRoot().Subcommands.Any(c => c.Name == "place");

    private static int Invoke(string[] args)
    {
        var type = typeof(GraphDsl.Cli.Program).Assembly.GetType("GraphDsl.Cli.Commands.PlaceCommand", throwOnError: true)!;
        var root = new RootCommand { (Command)type.GetMethod("Create")!.Invoke(null, null)! };
        var parse = root.Parse(new[] { "place" }.Concat(args).ToArray());
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine("graphdsl: error GD0802: " + error.Message);
            return 2;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = Console.Out, Error = Console.Error });
    }
}

[CollectionDefinition(nameof(PlaceCliCollection), DisableParallelization = true)]
public sealed class PlaceCliCollection { }
