using System.Collections.Generic;
using System.Linq;
using GraphDsl.Cli.Plots;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// The files one command writes must be distinct: <c>predict --trace r.html --report r.html</c> used to write both and keep
/// only the last, with exit 0. Checked with the other options, before anything runs (GD0852, exit 2). An output that is
/// not a regular file (<c>/dev/null</c>, a pipe) is written in place and may take several outputs.
/// </summary>
internal static class DistinctOutputs
{
    public static void Check(DiagnosticBag diagnostics, params (string Option, string? Path)[] outputs)
    {
        var seen = new List<(string Option, string Path)>();
        foreach (var (option, path) in outputs)
        {
            if (string.IsNullOrEmpty(path) || IsSpecial(path)) continue;
            var earlier = seen.FirstOrDefault(s => PlotOption.SamePath(s.Path, path));
            if (earlier.Path is not null) diagnostics.Report(DiagnosticCatalog.OutputsCollide, SourceSpan.None, option, path, earlier.Option);
            else seen.Add((option, path));
        }
    }

    /// <summary>False after reporting (GD0853) an output that names the command's input file: <c>compile m.moe -o m.moe</c>
    /// replaced the spec with its IR, <c>weights init m.moe -o m.moe</c> with weights, exit 0.</summary>
    public static bool NotTheInput(string option, string? output, string input, string inputPath)
    {
        if (string.IsNullOrEmpty(output) || IsSpecial(output) || !PlotOption.SamePath(output, inputPath)) return true;
        Driver.Report(DiagnosticCatalog.OutputIsInput.At(SourceSpan.None, option, output, input));
        return false;
    }

    /// <summary>The --plot files, each named for the list above.</summary>
    public static IEnumerable<(string Option, string? Path)> Plots(IEnumerable<PlotRequest> plots) => plots.Select(p => ("--plot", (string?)p.Path));

    private static bool IsSpecial(string path) => FileKinds.Of(path) is not (FileKind.Regular or FileKind.Missing);
}
