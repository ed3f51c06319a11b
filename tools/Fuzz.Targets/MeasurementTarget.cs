using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Fuzz;

/// <summary>The measurement dataset as <c>graphdsl validate --data</c> reads it: bad rows are diagnostics (GD0610).</summary>
internal static class MeasurementTarget
{
    public static void Run(byte[] input)
    {
        var diagnostics = new DiagnosticBag();
        Measurement.Parse("fuzz.csv", FuzzTarget.Text(input), diagnostics);
        DiagnosticCheck.Check(diagnostics.Items);
    }
}
