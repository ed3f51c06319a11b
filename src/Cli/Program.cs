using System;
using System.CommandLine;
using System.Globalization;
using GraphDsl.Cli.Commands;

namespace GraphDsl.Cli;

/// <summary>The `graphdsl` command: subcommands, usage errors as exit code 2, and never a stack trace.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
#if GRAPHDSL_AOT
        // Before parsing: the native `run` is a stand-in, so its --help would describe the stand-in, not `run`.
        if (Native.JitHandOff.RunArguments(args) is { } run) return Native.JitRunCommand.Delegate(run);
#endif
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) Console.Error.WriteLine("graphdsl: error GD0802: " + e.Message);
            Console.Error.WriteLine("Run 'graphdsl --help' for usage.");
            return ExitCodes.UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = Console.Out, Error = Console.Error });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Never a stack trace: an unexpected failure is one line naming it.
            Console.Error.WriteLine($"graphdsl: error GD0899: internal error: {e.GetType().Name}: {e.Message} (please report it)");
            // For the developers: GRAPHDSL_TRACE=1 adds where it happened.
            if (Environment.GetEnvironmentVariable("GRAPHDSL_TRACE") == "1") Console.Error.WriteLine(e.StackTrace);
            return ExitCodes.InputError;
        }
    }

    public static RootCommand BuildRoot()
    {
        // Passes that backends bring (place-experts) join the registry before any pipeline is parsed.
        GraphDsl.Backends.Placement.PlacementPasses.Register();
        var root = Root();
        HelpExamples.Attach(root);
        return root;
    }

    private static RootCommand Root() => new("graphdsl: a compiler for LLM inference graphs (.moe specs) and a predictor of how they serve. " + Rendering.Units.Convention)
    {
        CheckCommand.Create(),
        CompileCommand.Create(),
        CompileCommand.CreateOpt(),
        StatsCommand.Create(),
        FmtCommand.Create(),
        PassesCommand.Create(),
        PredictCommand.Create(),
        ServeCommand.Create(),
        PlanCommand.Create(),
        SweepCommand.Create(),
        CompareCommand.Create(),
        RouteStatsCommand.Create(),
        PlaceCommand.Create(),
        ValidateCommand.Create(),
        CalibrateCommand.Create(),
        WeightsCommand.Create(),
#if GRAPHDSL_AOT
        Native.JitRunCommand.Create(),
#else
        RunCommand.Create(),
#endif
        ImportCommand.Create(),
        HardwareCommand.Create(),
        CompletionCommand.Create(),
    };
}
