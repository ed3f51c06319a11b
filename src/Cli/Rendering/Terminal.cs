using System;
using Spectre.Console;

namespace GraphDsl.Cli.Rendering;

/// <summary>A Spectre console over the current standard output (so redirection and tests see tables).</summary>
public static class Terminal
{
    public static IAnsiConsole Create() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
}
