using System;
using System.CommandLine;
using System.Linq;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl passes</c>: every pass with its options and statistics.</summary>
internal static class PassesCommand
{
    public static Command Create()
    {
        var cmd = new Command("passes", "List the passes a pipeline may use, with their options.");
        cmd.SetAction(_ =>
        {
            foreach (var p in PassRegistry.All)
            {
                Console.WriteLine($"{p.Name}: {p.Summary}");
                foreach (var o in p.Options)
                    Console.WriteLine($"    {o.Name}={(o.Choices is null ? o.Kind.ToString().ToLowerInvariant() : string.Join("|", o.Choices))}" +
                                      $"{(o.Default is null ? "" : " (default " + o.Default + ")")}  {o.Doc}");
                if (p.Statistics.Count > 0) Console.WriteLine("    statistics: " + string.Join(", ", p.Statistics));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
