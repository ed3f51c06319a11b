using GraphDsl.Backends.Placement;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Fuzz;

/// <summary>A <c>--passes</c> text, with every pass the CLI registers (place-experts included).</summary>
internal static class PipelineTarget
{
    public static void Run(byte[] input)
    {
        // This target hosts the CLI's passes: it registers them as the CLI does at start-up (idempotent).
        PlacementPasses.Register();
        var diagnostics = new DiagnosticBag();
        var pipeline = Pipeline.Parse(FuzzTarget.Text(input), diagnostics);
        // What parsed prints back (error messages and --print-after name passes through it).
        _ = pipeline?.ToString();
        DiagnosticCheck.Check(diagnostics.Items);
    }
}
