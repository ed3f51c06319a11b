using CsCheck;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Text;

namespace GraphDsl.Ir.Tests.Text;

/// <summary>print(parse(print(g))) == print(g) for random graphs, and what parses back verifies.</summary>
public class RoundTripPropertyTests
{
    [Fact]
    public void Random_graphs_print_parse_and_print_identically()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var module = RandomModules.Build(seed);
            Assert.Empty(Verifier.Verify(module));
            var text = IrPrinter.Print(module);
            var reparsed = IrParser.Parse(text, "random.gir");
            Assert.Empty(Verifier.Verify(reparsed));
            Assert.Equal(text, IrPrinter.Print(reparsed));
            // Locations are optional text; with them the form still round-trips.
            var located = IrPrinter.Print(reparsed, locations: true);
            Assert.Equal(located, IrPrinter.Print(IrParser.Parse(located, "random.gir"), locations: true));
        }, iter: 300);
    }
}
