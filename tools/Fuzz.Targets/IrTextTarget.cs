using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;

namespace GraphDsl.Fuzz;

/// <summary>Textual IR as <c>graphdsl opt</c> reads it: parse, then verify what parsed.</summary>
internal static class IrTextTarget
{
    public static void Run(byte[] input)
    {
        var diagnostics = new DiagnosticBag();
        var module = IrParser.TryParse(FuzzTarget.Text(input), "fuzz.gir", diagnostics);
        if (module is not null) diagnostics.AddRange(Verifier.Verify(module));
        DiagnosticCheck.Check(diagnostics.Items);
    }
}
