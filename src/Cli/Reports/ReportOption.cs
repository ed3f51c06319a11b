using System;
using System.CommandLine;
using GraphDsl.Cli.Plots;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Reports;

/// <summary><c>--report FILE.html</c>: one self-contained page of the prediction. Checked before anything runs: a file
/// named other than .html (GD0845), a missing folder (GD0843).</summary>
internal sealed class ReportOption
{
    public Option<string?> Option { get; } = new("--report")
    {
        Description = "write a self-contained HTML page (no network): deployment, memory, time by bound, the sortable op table, the roofline and the step timelines",
    };

    /// <summary>The page's file, or null when none is asked for or after reporting why it cannot be.</summary>
    public string? Resolve(ParseResult r, DiagnosticBag diagnostics)
    {
        if (r.GetValue(Option) is not { } path) return null;
        var extension = System.IO.Path.GetExtension(path);
        if (path.Length == 0 || extension.Length > 0 && !extension.Equals(".html", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".htm", StringComparison.OrdinalIgnoreCase))
        {
            diagnostics.Report(DiagnosticCatalog.InvalidReport, SourceSpan.None, $"--report '{path}': the report is an HTML page; name the file .html");
            return null;
        }
        return OutputFolder.Exists("--report", path, diagnostics, DiagnosticCatalog.InvalidReport) ? path : null;
    }
}
