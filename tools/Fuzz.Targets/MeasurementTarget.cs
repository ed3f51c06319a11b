using System.IO;
using GraphDsl.Backends.CostModel.Validation;

namespace GraphDsl.Fuzz;

/// <summary>The measurement dataset as <c>graphdsl validate --data</c> reads it.</summary>
internal static class MeasurementTarget
{
    public static void Run(byte[] input)
    {
        try { Measurement.Parse(FuzzTarget.Text(input), "fuzz.csv"); }
        catch (InvalidDataException) { }
    }
}
