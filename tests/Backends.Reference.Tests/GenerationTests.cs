using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Greedy generation is deterministic (snapshot-tested with seeded weights); sampling is
/// reproducible from its seed.</summary>
public class GenerationTests
{
    private static readonly int[] Prompt = { 1, 17, 42, 7, 256, 3 };

    private static Generator For(string sample, ulong seed = 1)
    {
        var module = TestModels.Sample(sample);
        return new Generator(new Interpreter(module, TestModels.SeededWeights(module, seed)));
    }

    [Theory]
    [InlineData("tiny-dense")]
    [InlineData("tiny-moe")]
    public void Greedy_generation_is_deterministic(string sample)
    {
        var first = For(sample).Generate(Prompt, 8);
        var second = For(sample).Generate(Prompt, 8);
        Assert.Equal(first.Tokens, second.Tokens);
        Assert.Equal(8, first.Tokens.Count);
        for (int i = 0; i < first.StepLogits.Count; i++) Assert.Equal(first.StepLogits[i], second.StepLogits[i]);
        // Each token is the argmax of its step's logits.
        for (int i = 0; i < first.Tokens.Count; i++) Assert.Equal(TokenSampler.Greedy(first.StepLogits[i]), first.Tokens[i]);
    }

    [Theory]
    [InlineData("tiny-dense")]
    [InlineData("tiny-moe")]
    public void Greedy_generation_snapshot(string sample)
    {
        var result = For(sample).Generate(Prompt, 8);
        var text = new StringBuilder();
        text.Append("weights: WeightInitializer seed 1\n");
        text.Append("prompt: ").Append(string.Join(" ", result.Prompt)).Append('\n');
        text.Append("tokens: ").Append(string.Join(" ", result.Tokens)).Append('\n');
        for (int i = 0; i < result.Tokens.Count; i++)
        {
            var logits = result.StepLogits[i];
            var ranked = Enumerable.Range(0, logits.Length).OrderByDescending(j => logits[j]).ThenBy(j => j).Take(3);
            // Three decimals: stable across platforms whose math libraries differ in the last bits.
            text.Append(CultureInfo.InvariantCulture, $"step {i}: ")
                .Append(string.Join(", ", ranked.Select(j => string.Create(CultureInfo.InvariantCulture, $"{j} ({logits[j]:F3})"))))
                .Append('\n');
        }
        Snapshot.Verify(text.ToString(), sample);
    }

    [Fact]
    public void Sampling_is_reproducible_from_its_seed_and_varies_with_it()
    {
        var generator = For("tiny-moe");
        var options = new SamplingOptions { Temperature = 5.0, Seed = 11 };
        var a = generator.Generate(Prompt, 12, options);
        var b = generator.Generate(Prompt, 12, options);
        var c = generator.Generate(Prompt, 12, new SamplingOptions { Temperature = 5.0, Seed = 12 });
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.NotEqual(a.Tokens, c.Tokens);
    }

    [Fact]
    public void Sampling_at_a_tiny_temperature_is_greedy()
    {
        var generator = For("tiny-dense");
        var greedy = generator.Generate(Prompt, 6);
        var cold = generator.Generate(Prompt, 6, new SamplingOptions { Temperature = 1e-6, Seed = 5 });
        Assert.Equal(greedy.Tokens, cold.Tokens);
    }

    [Fact]
    public void Generation_stops_after_the_stop_token()
    {
        var generator = For("tiny-dense");
        var free = generator.Generate(Prompt, 8);
        var stopped = generator.Generate(Prompt, 8, new SamplingOptions { StopToken = free.Tokens[2] });
        var firstStop = free.Tokens.ToList().IndexOf(free.Tokens[2]);
        Assert.Equal(free.Tokens.Take(firstStop + 1), stopped.Tokens);
    }

    [Fact]
    public void Greedy_picks_the_lowest_index_among_equal_logits()
    {
        Assert.Equal(1, TokenSampler.Greedy(new[] { 0f, 3, 3, float.NaN }));
    }
}
