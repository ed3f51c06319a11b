using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Serving.Metrics;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>Request traces (reading, the diagnostics of a bad line), the length distributions and the latency histogram.</summary>
public class TraceAndSamplingTests
{
    private static string Trace(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"serve-trace-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_trace_streams_its_requests_in_order()
    {
        var path = Trace("{\"arrival\": 0, \"prompt\": 100, \"output\": 10}\n\n{\"arrival\": 0.5, \"prompt\": 200, \"output\": 20, \"prefix\": \"sys\"}\r\n{\"output\": 30, \"prompt\": 300, \"arrival\": 0.5}");
        var d = new DiagnosticBag();
        using var source = TraceSource.Open(path, 10, d)!;
        Assert.Empty(d.Items);
        Assert.Equal(3, source.Total);
        Assert.Equal((100 + 10 + 200 + 20 + 300 + 30) / 3.0, source.MeanLength);
        var requests = Enumerable.Range(0, 3).Select(_ => source.Take()).ToArray();
        // The prefix id is kept as a 64-bit hash (never 0, which means none), for prefix caching.
        Assert.NotEqual(0, requests[1].Prefix);
        Assert.Equal(new[] { new IncomingRequest(0, 100, 10), new IncomingRequest(0.5, 200, 20, Prefix: requests[1].Prefix), new IncomingRequest(0.5, 300, 30) }, requests);
        Assert.True(double.IsPositiveInfinity(source.NextArrival));
        using var limited = TraceSource.Open(path, 2, d)!;
        Assert.Equal(2, limited.Total);
    }

    [Theory]
    [InlineData("{\"arrival\": 1, \"prompt\": 1, \"output\": 1}\n{\"arrival\": 0.5, \"prompt\": 1, \"output\": 1}", "2:1: error GD0633: arrival 0.5 comes before the previous line's 1; a trace lists requests in arrival order")]
    [InlineData("{\"arrival\": 0, \"prompt\": 0, \"output\": 1}", "1:16: error GD0633: \"prompt\" must be an integer from 1 to 1048576")]
    [InlineData("{\"arrival\": 0, \"prompt\": 5}", "1:1: error GD0633: missing \"output\"")]
    [InlineData("{\"arrival\": 0, \"prompt\": 5, \"output\": 1, \"user\": 3}", "1:42: error GD0633: unknown field \"user\"; a request has arrival, prompt, output and an optional prefix and prefix_tokens")]
    // A field given twice used to be read as its last value: the request arrived at 3 s, not 0.
    [InlineData("{\"arrival\": 0, \"prompt\": 5, \"output\": 1, \"arrival\": 3}", "1:42: error GD0633: \"arrival\" is given twice")]
    [InlineData("[1, 2]", "1:1: error GD0633: expected a JSON object {\"arrival\": S, \"prompt\": N, \"output\": N}")]
    [InlineData("", "1:1: error GD0633: the trace holds no request")]
    public void A_bad_trace_line_is_located(string text, string expected)
    {
        var path = Trace(text);
        var d = new DiagnosticBag();
        Assert.Null(TraceSource.Open(path, 10, d));
        Assert.Equal(path + ":" + expected, Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void A_directory_or_a_missing_file_is_refused_by_name()
    {
        var d = new DiagnosticBag();
        var dir = Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar);
        Assert.Null(TraceSource.Open(dir, 10, d));
        Assert.Equal($"graphdsl: error GD0801: cannot read '{dir}': it is a directory, not a file", Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void A_line_without_end_is_cut_not_read_whole()
    {
        var path = Trace("{\"arrival\": 0, \"prompt\": 1, \"output\": 1, \"prefix\": \"" + new string('x', 100_000) + "\"}");
        var d = new DiagnosticBag();
        Assert.Null(TraceSource.Open(path, 10, d));
        Assert.Equal($"{path}:1:1: error GD0633: line 1 is longer than {TraceSource.MaxLineChars} characters; a request is one short JSON object", Assert.Single(d.Items).ToString());
    }

    /// <summary>Lengths: uniform covers its bounds evenly; lognormal has the mean it is given (within 2% over 10^5 draws) and
    /// the spread of its sigma.</summary>
    [Fact]
    public void Length_distributions()
    {
        var rng = new SplitMix64(3);
        var uniform = Enumerable.Range(0, 100_000).Select(_ => LengthSpec.Uniform(10, 19).Sample(rng)).ToArray();
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), uniform.Distinct().OrderBy(x => x));
        Assert.All(uniform.GroupBy(x => x), g => Assert.InRange(g.Count(), 9_500, 10_500));
        var lognormal = Enumerable.Range(0, 100_000).Select(_ => (double)LengthSpec.LogNormal(1000, 0.8).Sample(rng)).ToArray();
        Assert.InRange(lognormal.Average(), 980, 1020);
        double sd = Math.Sqrt(lognormal.Select(x => Math.Log(x)).Select(l => l * l).Average() - Math.Pow(lognormal.Select(x => Math.Log(x)).Average(), 2));
        Assert.InRange(sd, 0.78, 0.82);
        Assert.Equal(512, LengthSpec.Fixed(512).Sample(rng));
    }

    /// <summary>The inter-token histogram's percentiles are within 0.05% of the exact order statistic, and its mean exact.</summary>
    [Fact]
    public void Histogram_percentiles_are_within_its_resolution()
    {
        var rng = new SplitMix64(11);
        var values = Enumerable.Range(0, 20_000).Select(_ => 0.005 + 0.2 * rng.NextDouble() * rng.NextDouble()).ToArray();
        var h = new LatencyHistogram();
        foreach (var v in values) h.Add(v);
        var sorted = values.OrderBy(x => x).ToArray();
        var d = h.Summarise();
        Assert.Equal(values.Average() * 1e3, d.Mean, 9);
        foreach (var (q, got) in new[] { (0.50, d.P50), (0.90, d.P90), (0.99, d.P99) })
        {
            double exact = sorted[(int)Math.Ceiling(q * sorted.Length) - 1] * 1e3;
            Assert.True(Math.Abs(got / exact - 1) <= 5e-4, $"p{q * 100}: {got} against {exact}");
        }
    }
}
