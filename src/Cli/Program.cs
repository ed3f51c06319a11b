using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using GraphDsl.Cli;
using GraphDsl.Cli.Commands;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var root = new RootCommand("graphdsl: a compiler for LLM inference graphs (.moe specs) and a predictor of how they serve.")
{
    CheckCommand.Create(),
    CompileCommand.Create(),
    CompileCommand.CreateOpt(),
    StatsCommand.Create(),
    FmtCommand.Create(),
    PassesCommand.Create(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var e in parse.Errors) Console.Error.WriteLine("graphdsl: error GD0802: " + e.Message);
    Console.Error.WriteLine("Run 'graphdsl --help' for usage.");
    return ExitCodes.UsageError;
}
try
{
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    // Never a stack trace: an unexpected failure is one line naming it.
    Console.Error.WriteLine($"graphdsl: error GD0899: internal error: {e.GetType().Name}: {e.Message} (please report it)");
    return ExitCodes.InputError;
}
