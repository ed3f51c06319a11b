using System;
using System.CommandLine;
using GraphDsl.Cli.Rendering;
using GraphDsl.Frontend.Formatting;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl fmt FILE [--check] [--write]</c>: print (or check, or rewrite) the canonical formatting.</summary>
internal static class FmtCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe file" };
        var check = new Option<bool>("--check") { Description = "exit 1 (printing nothing else) if the file is not canonically formatted" };
        var write = new Option<bool>("--write", "-w") { Description = "rewrite the file in place" };
        var cmd = new Command("fmt", "Print the canonical formatting of a .moe file.") { file, check, write };
        cmd.SetAction(r =>
        {
            var path = r.GetValue(file)!;
            var text = Driver.ReadText(path, GraphDsl.Frontend.Parsing.SyntaxParser.MaxFileBytes);
            if (text is null) return ExitCodes.InputError;
            var source = new SourceText(path, text);
            var diagnostics = new DiagnosticBag();
            var formatted = Formatter.Format(source, diagnostics);
            if (formatted is null)
            {
                DiagnosticRenderer.Write(Console.Error, diagnostics.Items, new System.Collections.Generic.Dictionary<string, SourceText> { [path] = source });
                return ExitCodes.InputError;
            }
            if (r.GetValue(check))
            {
                if (formatted == text) return ExitCodes.Ok;
                Console.Error.WriteLine($"{path}: not canonically formatted (run 'graphdsl fmt --write {path}')");
                return ExitCodes.InputError;
            }
            if (r.GetValue(write)) return formatted == text || Driver.WriteOutput(path, formatted) ? ExitCodes.Ok : ExitCodes.InputError;
            Console.Out.Write(formatted);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
