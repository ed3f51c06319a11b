using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;

namespace GraphDsl.Cli.Tests;

/// <summary><c>graphdsl route-stats</c>: a seeded synthetic statistics file that reads back and fits its model,
/// skewed by Zipf, with co-activation on request, and the errors for bad input.</summary>
[Collection(nameof(CliCollection))]
public sealed class RouteStatsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("graphdsl-route-stats").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, params string[] options)
    {
        var path = Path.Combine(_dir, name);
        var r = CliRunner.Run(new[] { "route-stats", "samples/mixtral-8x7b.moe" }.Concat(options).Concat(new[] { "-o", path }).ToArray());
        Assert.True(r.ExitCode == 0, r.Err);
        return path;
    }

    /// <summary>The busiest expert's load over the mean, worst layer.</summary>
    private static double Skew(RoutingStats s) =>
        s.Layers.Max(l => l.ExpertTokens.Max() / l.ExpertTokens.Average());

    /// <summary>Sampling is linear in --tokens: 9223372036854775807 used to overflow (internal error) and
    /// 100000000 to run for minutes; both are now a usage error naming the limit.</summary>
    [Theory]
    [InlineData("0")]
    [InlineData("100000000")]
    [InlineData("9223372036854775807")]
    public void Tokens_out_of_range_are_a_usage_error(string tokens)
    {
        var r = CliRunner.Run("route-stats", "samples/mixtral-8x7b.moe", "--tokens", tokens);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"error GD0802: --tokens must be between 1 and {SyntheticRouting.MaxTokens}", r.Err);
    }

    /// <summary>A steep Zipf exponent used to redraw an already chosen expert 1,000 times per pick (zipf:20 on Mixtral took
    /// 44 s where zipf:2 takes 3) and then took the lowest-numbered expert left, whatever its weight. Each token now gets
    /// the best-ranked experts, the distribution's limit: those a steep but finite exponent loads most.</summary>
    [Theory]
    [InlineData(1ul)]
    [InlineData(7ul)]
    [InlineData(12ul)]
    public void A_huge_zipf_exponent_gives_every_token_the_best_ranked_experts(ulong seed)
    {
        var names = new[] { "moe.0" };
        var limit = SyntheticRouting.Generate("x", names, 16, 4, 1e308, 4096, seed).Layers[0].ExpertTokens;
        var steep = SyntheticRouting.Generate("x", names, 16, 4, 3, 65536, seed).Layers[0].ExpertTokens;
        var heaviest = Enumerable.Range(0, 16).OrderByDescending(e => steep[e]).Take(4).Order().ToArray();
        Assert.Equal(heaviest, Enumerable.Range(0, 16).Where(e => limit[e] == 4096).ToArray());
        Assert.Equal(4 * 4096, limit.Sum());
    }

    [Fact]
    public void The_file_reads_back_and_fits_the_model()
    {
        var stats = RoutingStats.Load(Write("zipf.json", "--synthetic", "zipf:1.2", "--seed", "7", "--tokens", "1024"));
        Assert.Equal((32, 8, 2), (stats.Layers.Count, stats.Experts, stats.TopK));   // Mixtral-8x7B: 32 MoE layers, top-2 of 8
        Assert.Empty(stats.Validate(32, 8, 2));
        Assert.All(stats.Layers, l => Assert.Equal(1024, l.Tokens));
    }

    /// <summary>The file is streamed (a 2,048-expert model with co-activation is ~240 MB of JSON); standard
    /// output gets the same bytes.</summary>
    [Fact]
    public void Standard_output_and_the_streamed_file_agree()
    {
        var file = File.ReadAllText(Write("co.json", "--synthetic", "zipf:1.2", "--seed", "7", "--coactivation"));
        var r = CliRunner.Run("route-stats", "samples/mixtral-8x7b.moe", "--synthetic", "zipf:1.2", "--seed", "7", "--coactivation");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(file, r.Out);
        Assert.Equal(33, file.Split('\n').Length);   // the header with the first layer, a line per further layer, the final newline
    }

    [Fact]
    public void A_seed_fixes_the_file_and_another_seed_changes_it()
    {
        var a = File.ReadAllText(Write("a.json", "--synthetic", "zipf:1.2", "--seed", "7"));
        var b = File.ReadAllText(Write("b.json", "--synthetic", "zipf:1.2", "--seed", "7"));
        var c = File.ReadAllText(Write("c.json", "--synthetic", "zipf:1.2", "--seed", "8"));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Zipf_routing_is_more_skewed_than_uniform()
    {
        var uniform = RoutingStats.Load(Write("uniform.json", "--synthetic", "uniform"));
        var zipf = RoutingStats.Load(Write("zipf.json", "--synthetic", "zipf:1.2"));
        Assert.True(Skew(zipf) > 1.5 * Skew(uniform), $"max/mean: zipf {Skew(zipf):F2}, uniform {Skew(uniform):F2}");
    }

    [Fact]
    public void Coactivation_is_an_experts_by_experts_matrix_per_layer()
    {
        var stats = RoutingStats.Load(Write("co.json", "--synthetic", "zipf:1.0", "--coactivation"));
        var withMatrix = stats.Layers.Where(l => l.Coactivation is not null).ToList();
        Assert.NotEmpty(withMatrix);
        Assert.All(withMatrix, l => Assert.True(l.Coactivation!.Length == 8 && l.Coactivation.All(row => row.Length == 8)));
        Assert.Empty(stats.Validate(32, 8, 2));
    }

    [Theory]
    [InlineData("samples/mixtral-8x7b.moe", "zipf:-1", 2, "--synthetic 'zipf:-1': expected uniform or zipf:A with A >= 0")]
    // A exponent of infinity used to be accepted (issue 15: NaN and infinity on every float option).
    [InlineData("samples/mixtral-8x7b.moe", "zipf:Infinity", 2, "--synthetic 'zipf:Infinity': expected uniform or zipf:A with A >= 0")]
    [InlineData("samples/mixtral-8x7b.moe", "pareto", 2, "--synthetic 'pareto': expected uniform or zipf:A with A >= 0")]
    [InlineData("samples/llama-3-8b.moe", "uniform", 1, "Llama3_8B has no MoE layer")]
    public void Bad_input_is_an_error_with_the_reason(string sample, string synthetic, int exitCode, string message)
    {
        var r = CliRunner.Run("route-stats", sample, "--synthetic", synthetic, "-o", Path.Combine(_dir, "never.json"));
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains(message, r.Err);
        Assert.False(File.Exists(Path.Combine(_dir, "never.json")));
    }
}
