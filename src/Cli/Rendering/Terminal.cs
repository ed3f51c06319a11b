using System;
using System.Globalization;
using Spectre.Console;

namespace GraphDsl.Cli.Rendering;

/// <summary>A Spectre console over the current standard output (so redirection and tests see tables). A terminal gets
/// its own width; piped or redirected output is as wide as COLUMNS says, or as wide as the table needs, so a table
/// never wraps mid-word into a file or a pipe.</summary>
public static class Terminal
{
    /// <summary>Width of redirected output without COLUMNS: wider than any table the commands print.</summary>
    public const int UnboundedWidth = 1000;

    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected) console.Profile.Width = RedirectedWidth();
        return console;
    }

    private static int RedirectedWidth() =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns is >= 20 and <= UnboundedWidth
            ? columns : UnboundedWidth;
}
