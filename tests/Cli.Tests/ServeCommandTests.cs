using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>serve: the JSON fields issue 17 names, the CSV and trace outputs, and the exit codes of bad specs (2) and of a
/// deployment that cannot serve the workload (1, before simulating).</summary>
[Collection(nameof(CliCollection))]
public class ServeCommandTests
{
    private static readonly string[] Deployment = { "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--weights", "fp8" };

    private static CliRunner.Result Serve(params string[] args) => CliRunner.Run(new[] { "serve" }.Concat(Deployment).Concat(args).ToArray());

    [Fact]
    public void Json_has_benchmark_servings_metrics()
    {
        var r = Serve("--workload", "poisson:rate=1,prompt=1024,output=128", "--scheduler", "continuous", "--requests", "100", "--seed", "1",
            "--slo", "ttft=1000,tpot=50", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        foreach (var name in new[] { "request_throughput", "output_tokens_per_s", "total_tokens_per_s", "output_tokens_per_s_per_gpu",
                     "output_tokens_per_s_per_user", "goodput_requests_per_s", "preemptions", "mean_batch", "kv_utilization" })
            Assert.True(root.GetProperty(name).GetDouble() >= 0, name);
        foreach (var metric in new[] { "ttft_ms", "tpot_ms", "itl_ms", "e2e_ms" })
            foreach (var stat in new[] { "mean", "p50", "p90", "p99" })
                Assert.True(root.GetProperty(metric).GetProperty(stat).GetDouble() > 0, $"{metric}.{stat}");
        Assert.Equal(100, root.GetProperty("completed").GetInt64());
        Assert.Equal("continuous{max_batch=256,max_tokens=8192}", root.GetProperty("scheduler").GetString());
        Assert.Equal(root.GetProperty("output_tokens_per_s").GetDouble() / 8, root.GetProperty("output_tokens_per_s_per_gpu").GetDouble(), 9);
    }

    [Fact]
    public void Csv_and_step_trace()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"serve-steps-{Guid.NewGuid():N}.json");
        var r = Serve("--workload", "offline:16,prompt=512,output=8", "--scheduler", "static", "--format", "csv", "--trace", trace);
        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        var columns = lines[0].Split(',');
        Assert.Contains("ttft_ms_p99", columns);
        // The workload's text holds commas, so it is quoted: split the row outside quotes.
        var values = System.Text.RegularExpressions.Regex.Split(lines[1], ",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
        Assert.Equal(columns.Length, values.Length);
        Assert.Equal("16", values[Array.IndexOf(columns, "completed")]);
        Assert.Equal("static", values[Array.IndexOf(columns, "scheduler")]);
        var events = JsonDocument.Parse(File.ReadAllText(trace)).RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        // One prefill step for the whole batch, then 7 decode steps (the prefill gives each request its first token).
        Assert.Equal(new[] { "prefill" }.Concat(Enumerable.Repeat("decode", 7)), events.Select(e => e.GetProperty("name").GetString()));
        Assert.All(events, e => Assert.True(e.GetProperty("dur").GetDouble() > 0));
    }

    /// <summary>The per-second time series: a JSON array, and a CSV file with --time-series, one row per second.</summary>
    [Fact]
    public void The_time_series_is_in_json_and_a_csv_file()
    {
        var csv = Path.Combine(Path.GetTempPath(), $"serve-series-{Guid.NewGuid():N}.csv");
        var r = Serve("--workload", "poisson:rate=2,prompt=512,output=64", "--requests", "40", "--format", "json", "--time-series", csv);
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(1, root.GetProperty("time_series_interval_s").GetDouble());
        var series = root.GetProperty("time_series").EnumerateArray().ToList();
        Assert.Equal((int)Math.Ceiling(root.GetProperty("duration_s").GetDouble()), series.Count);
        Assert.Equal(root.GetProperty("completed").GetDouble(), series.Sum(p => p.GetProperty("completed").GetDouble()));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("t_s,running,waiting,batch,kv_utilization,output_tokens_per_s,prefill_tokens_per_s,completed", lines[0]);
        Assert.Equal(series.Count + 1, lines.Length);
    }

    /// <summary>A workload's lengths take --prompt's size spellings: 1k is 1,024 tokens.</summary>
    [Fact]
    public void Workload_lengths_take_size_suffixes()
    {
        var r = Serve("--workload", "offline:2,prompt=1k,output=2", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal("offline:2,prompt=1024,output=2", root.GetProperty("workload").GetString());
    }

    [Theory]
    [InlineData("--workload", "poisson:rate=-1,prompt=1,output=1", "<workload>:1:14: error GD0630: rate (requests per second) must be a number from 0.001 to 1000000, found '-1'")]
    [InlineData("--scheduler", "chunked{budget=64,max_batch=128}", "<scheduler>:1:1: error GD0631: chunked: max_batch=128 is more than budget=64;")]
    [InlineData("--slo", "ttft=0", "<slo>:1:6: error GD0632: ttft (milliseconds) must be a number above 0")]
    [InlineData("--slo", "ttft=-1", "<slo>:1:6: error GD0632: ttft (milliseconds) must be a number above 0 and at most 1000000000, found '-1'")]
    [InlineData("--workload", "poisson:rate=1,prompt=3g,output=1", "<workload>:1:24: error GD0630: expected ',' between options, found 'g'")]
    [InlineData("--requests", "20000000", "error GD0820: --requests 20000000 is more than 10,000,000")]
    public void Bad_specs_are_usage_errors(string flag, string value, string expected)
    {
        var args = flag == "--workload" ? new[] { flag, value } : new[] { "--workload", "poisson:rate=1,prompt=1,output=1", flag, value };
        var r = Serve(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public void Offline_count_and_requests_must_agree()
    {
        var r = Serve("--workload", "offline:10,prompt=1,output=1", "--requests", "11");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0820: --requests 11 contradicts --workload offline:10; give the count once", r.Err);
    }

    /// <summary>BF16 Llama 3 70B on one H100 does not fit; fixed requests longer than the whole cache cannot be served. Both
    /// stop before simulating, with the reason.</summary>
    [Fact]
    public void A_deployment_that_cannot_serve_stops_with_the_reason()
    {
        var r = CliRunner.Run("serve", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--workload", "offline:1,prompt=1024,output=16");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0634: Llama3_70B on 1 x h100-sxm (tp=1 ep=1 dp=1 pp=1 weights=keep kv=keep): the weights alone (141.1 GB per GPU)", r.Err);
        r = Serve("--workload", "offline:1,prompt=1048576,output=1048576");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0634: Llama3_70B on 8 x h100-sxm (tp=8 ep=1 dp=1 pp=1 weights=fp8 kv=keep): a request of 2097152 tokens (prompt + output) needs 131072 KV blocks of 16 tokens, but the memory left after weights holds", r.Err);
    }
}
