using System.Collections.Generic;
using System.Linq;
using GraphDsl.Cli.Plots;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// The files one command writes must be distinct, from each other and from the files it reads: <c>predict --trace r.html
/// --report r.html</c> used to write both and keep only the last, with exit 0. An output that is not a regular file
/// (<c>/dev/null</c>, a pipe) is written in place and may take several outputs.
/// </summary>
internal static class DistinctOutputs
{
    /// <summary>
    /// The one check every command that writes files makes, before anything runs (exit 2): two outputs naming one file
    /// (GD0852) and an output naming one of the command's <paramref name="inputs"/> (GD0853; <c>compile m.moe -o m.moe</c>
    /// replaced the spec with its IR, <c>route-stats m.moe -o ./m.moe</c> likewise, exit 0). Paths compare as the files
    /// they lead to (<see cref="FilePaths.SamePath"/>): <c>./x</c> is <c>x</c>, a link is its target.
    /// </summary>
    public static void Check(DiagnosticBag diagnostics, IEnumerable<(string Option, string? Path)> inputs, IEnumerable<(string Option, string? Path)> outputs)
    {
        var read = inputs.Where(i => !string.IsNullOrEmpty(i.Path)).ToList();
        var seen = new List<(string Option, string Path)>();
        foreach (var (option, path) in outputs)
        {
            if (string.IsNullOrEmpty(path) || IsSpecial(path)) continue;
            var input = read.FirstOrDefault(i => FilePaths.SamePath(i.Path!, path));
            var earlier = seen.FirstOrDefault(s => FilePaths.SamePath(s.Path, path));
            if (input.Path is not null) diagnostics.Report(DiagnosticCatalog.OutputIsInput, SourceSpan.None, option, path, input.Option);
            else if (earlier.Path is not null) diagnostics.Report(DiagnosticCatalog.OutputsCollide, SourceSpan.None, option, path, earlier.Option);
            else seen.Add((option, path));
        }
    }

    /// <summary>False after reporting (GD0853) an output that names the command's one input file.</summary>
    public static bool NotTheInput(string option, string? output, string input, string inputPath)
    {
        var diagnostics = new DiagnosticBag();
        Check(diagnostics, [(input, inputPath)], [(option, output)]);
        Driver.Report(diagnostics.Items);
        return !diagnostics.HasErrors;
    }

    /// <summary>The --plot files, each named for the list above.</summary>
    public static IEnumerable<(string Option, string? Path)> Plots(IEnumerable<PlotRequest> plots) => plots.Select(p => ("--plot", (string?)p.Path));

    private static bool IsSpecial(string path) => FileKinds.Of(path) is not (FileKind.Regular or FileKind.Missing);
}
