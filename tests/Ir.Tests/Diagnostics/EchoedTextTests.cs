using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Ir.Tests.Diagnostics;

/// <summary>A diagnostic echoes at most <see cref="EchoedText.MaxChars"/> characters of each argument: the start and
/// the end around an ellipsis with the total length, so a 1 MB name prints a few hundred characters.</summary>
public class EchoedTextTests
{
    [Fact]
    public void A_huge_argument_is_shown_as_its_start_and_end_with_its_length()
    {
        var name = "A" + new string('m', 1 << 20) + "Z";
        var d = DiagnosticCatalog.NoModel.At(SourceSpan.At("x.moe", 1, 1), name);
        Assert.Equal("x.moe:1:1: error GD0211: 'A" + new string('m', 239) + "...[1048578 characters in all]..." + new string('m', 119) + "Z' defines no model", d.ToString());
    }

    [Fact]
    public void Arguments_up_to_the_limit_and_numbers_are_shown_whole()
    {
        var text = new string('x', EchoedText.MaxChars);
        Assert.Same(text, EchoedText.Cap(text));
        Assert.Equal(12345678901L, EchoedText.Cap(12345678901L));
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var text = new string('a', 239) + "\U0001F600" + new string('b', 500);
        var capped = EchoedText.Cap(text);
        Assert.StartsWith(new string('a', 239) + "...[", capped);
    }
}
