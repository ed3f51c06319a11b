using System.Collections.Generic;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Fuzz;

/// <summary>What every diagnostic-reporting target checks after the reader returns.</summary>
internal static class DiagnosticCheck
{
    public const string InternalErrorId = "GD0899";

    /// <summary>Renders each diagnostic (its message format and span must hold for any input) and fails on GD0899.</summary>
    public static void Check(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            var line = d.ToString();
            if (d.Id == InternalErrorId) throw new InternalErrorReached(line);
        }
    }
}
