using System;
using System.CommandLine;
using System.Linq;
using GraphDsl.Cli.Rendering;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl check FILE...</c>: report every diagnostic; exit 1 if any file has an error.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = ".moe files to check", Arity = ArgumentArity.OneOrMore };
        var source = new SourceOptions();
        var cmd = new Command("check", "Check .moe files (syntax, names, types, shapes) and report diagnostics.") { files };
        source.AddTo(cmd);
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
                var resolver = new FileSystemSourceResolver(path, source.Roots(r));
                var result = Compiler.CompileFile(path, source.ModelName(r), resolver);
                var diagnostics = result.Diagnostics;
                // A library file (blocks only) is checked for syntax and imports; its blocks are checked where models use them.
                if (result.Models.Count == 0 && diagnostics.All(d => d.Id == DiagnosticCatalog.NoModel.Id) &&
                    result.Sources.TryGetValue(FileSystemSourceResolver.Normalize(path), out var library))
                    diagnostics = Compiler.CheckSyntax(library, resolver);
                DiagnosticRenderer.Write(Console.Error, diagnostics, result.Sources);
                errors += DiagnosticRenderer.ErrorCount(diagnostics);
            }
            return errors > 0 ? ExitCodes.InputError : ExitCodes.Ok;
        });
        return cmd;
    }
}
