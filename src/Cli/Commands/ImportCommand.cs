using System;
using System.CommandLine;
using GraphDsl.Cli.Rendering;
using GraphDsl.Import;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl import hf PATH [-o FILE.moe] [-v]</c>: a Hugging Face config.json (or the folder holding it) to a
/// formatted .moe spec (<see cref="HfImporter"/>). Options, then the settings they give, then the import and its output.</summary>
internal sealed class ImportCommand
{
    private readonly Argument<string> _path = new("path") { Description = "config.json, or the folder holding it (and hf_quant_config.json, if any)" };
    private readonly Option<string?> _output = CommonOptions.Output();
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "also list the config fields ignored because they do not change the computation" };

    private sealed record Settings(string Path, string? Output, bool Verbose);

    public static Command Create()
    {
        var c = new ImportCommand();
        var hf = new Command("hf", "Write a .moe spec from a Hugging Face config.json (see docs/import.md for the architectures).") { c._path, c._output, c._verbose };
        hf.SetAction(r => c.Run(new Settings(r.GetValue(c._path)!, r.GetValue(c._output), r.GetValue(c._verbose))));
        return new Command("import", "Write a .moe spec from another description of a model.") { hf };
    }

    private int Run(Settings s)
    {
        var config = System.IO.Directory.Exists(s.Path) ? System.IO.Path.Combine(s.Path, HfImporter.ConfigFile) : s.Path;
        if (!DistinctOutputs.NotTheInput("-o", s.Output, "config", config)) return ExitCodes.UsageError;
        var result = HfImporter.Import(s.Path);
        DiagnosticRenderer.Write(Console.Error, result.Diagnostics, result.Sources);
        if (s.Verbose && result.IgnoredFields.Count > 0)
            Console.Error.WriteLine($"graphdsl: note: ignored (they do not change the computation): {string.Join(", ", result.IgnoredFields)}");
        if (result.Spec is null) return ExitCodes.InputError;
        return Driver.WriteOutput(s.Output, result.Spec) ? ExitCodes.Ok : ExitCodes.InputError;
    }
}
