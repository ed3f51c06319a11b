using System;
using System.IO;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Plots;

/// <summary>The check every picture and report output gets before a command runs: its folder exists (GD0843), so a
/// long sweep or plan is not computed only to fail at the end.</summary>
internal static class OutputFolder
{
    /// <summary>Whether the folder of <paramref name="path"/> exists; a path that is no path at all (a NUL character)
    /// is reported as <paramref name="invalid"/>.</summary>
    public static bool Exists(string option, string path, DiagnosticBag diagnostics, DiagnosticDescriptor invalid)
    {
        string folder;
        try { folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "."; }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            diagnostics.Report(invalid, SourceSpan.None, $"{option} '{path}': {e.Message}");
            return false;
        }
        if (Directory.Exists(folder)) return true;
        diagnostics.Report(DiagnosticCatalog.OutputFolderMissing, SourceSpan.None, option, path, folder);
        return false;
    }
}
