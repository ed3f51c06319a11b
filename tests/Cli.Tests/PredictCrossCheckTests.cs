using System;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>Commands that answer one question two ways agree: compare's figures are those of predict run on each side's
/// flags, and a layout one side alone asks for (through --passes-b) is priced as that side's, never the other's.</summary>
[Collection(nameof(CliCollection))]
public class PredictCrossCheckTests
{
    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    /// <summary>compare llama-3-8b --gpus 2 --passes-b "parallelize{dp=2}" used the first model's dp (1) for the second's
    /// largest batch per context, so it probed a batch of 1 over 2 replicas: "error GD0899: internal error: ArgumentException:
    /// the batch (1) must be a multiple of dp (2)". Each side's largest batch and tokens/s there are now predict's on its
    /// own layout (b: tp 1, dp 2; 113 sequences per replica at 4k).</summary>
    [Fact]
    public void Compare_prices_each_side_at_its_own_dp()
    {
        var compare = Json(CliRunner.Run("compare", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--batch", "2",
            "--passes-b", "parallelize{dp=2}", "--contexts", "4k", "--format", "json"));
        var row = compare.GetProperty("contexts")[0];
        string[] b = { "predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--dp", "2", "--context", "4096", "--format", "json" };
        long maxB = Json(CliRunner.Run([.. b, "--batch", "2"])).GetProperty("max_batch").GetInt64();
        Assert.Equal(maxB, row.GetProperty("max_batch_b").GetInt64());
        Assert.Equal(0, maxB % 2);
        double tokensB = Json(CliRunner.Run([.. b, "--batch", maxB.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            .GetProperty("decode").GetProperty("tokens_per_s").GetDouble();
        Assert.Equal(tokensB, row.GetProperty("tokens_per_s_b").GetDouble(), 1e-9 * tokensB);
    }

    /// <summary>Llama 3.1 405B in BF16 on one H100 (811.7 GB of weights per GPU) printed "fits: no" and "decode tokens/s: -
    /// (does not fit)" beside "output tokens/s (100 per request): 16.0" (JSON output_tokens_per_s 16.0). A batch that does not
    /// fit has no end-to-end throughput in any format either, and says so.</summary>
    [Fact]
    public void Predict_gives_no_output_throughput_when_the_batch_does_not_fit()
    {
        string[] predict = { "predict", "samples/llama-3.1-405b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "8", "--output-tokens", "100" };
        var root = Json(CliRunner.Run([.. predict, "--format", "json"]));
        Assert.False(root.GetProperty("feasible").GetBoolean());
        var throughput = root.GetProperty("throughput");
        Assert.Equal(JsonValueKind.Null, throughput.GetProperty("output_tokens_per_s").ValueKind);
        Assert.Equal("does not fit", throughput.GetProperty("output_limit").GetString());
        var table = CliRunner.Run(predict);
        Assert.Contains(table.Out.Split('\n'), l => l.Contains("output tokens/s (100 per request)", StringComparison.Ordinal) && l.Contains("- (does not fit)", StringComparison.Ordinal));
    }
}
