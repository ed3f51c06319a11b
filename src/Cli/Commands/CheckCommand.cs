using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Cli.Rendering;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl check FILE...</c>: report every diagnostic; exit 1 if any file has an error.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = ".moe files to check", Arity = ArgumentArity.OneOrMore };
        var model = CommonOptions.Model();
        var cmd = new Command("check", "Check .moe files (syntax, names, types, shapes) and report diagnostics.") { files, model };
        cmd.SetAction(r =>
        {
            int errors = 0;
            foreach (var path in r.GetValue(files)!)
            {
                if (path.EndsWith(".gir", StringComparison.OrdinalIgnoreCase))
                {
                    if (Driver.LoadIr(path) is null) errors++;
                    continue;
                }
                var result = Compiler.CompileFile(path, r.GetValue(model));
                var diagnostics = result.Diagnostics;
                // A library file (blocks only) is checked for syntax and imports; its blocks are checked where models use them.
                if (result.Models.Count == 0 && diagnostics.All(d => d.Id == DiagnosticCatalog.NoModel.Id))
                    diagnostics = Compiler.CheckSyntax(result.Sources.TryGetValue(FileSystemNormalize(path), out var s) ? s : new SourceText(path, SafeRead(path)));
                DiagnosticRenderer.Write(Console.Error, diagnostics, result.Sources);
                errors += DiagnosticRenderer.ErrorCount(diagnostics);
            }
            return errors > 0 ? ExitCodes.InputError : ExitCodes.Ok;
        });
        return cmd;
    }

    private static string FileSystemNormalize(string path) => GraphDsl.Frontend.Semantics.FileSystemSourceResolver.Normalize(path);

    private static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); } catch (Exception) { return ""; }
    }
}
