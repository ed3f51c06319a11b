using System.Linq;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>--workload, --scheduler and --slo: what they accept (printed back in canonical form) and the exact located
/// diagnostic for each kind of mistake.</summary>
public class SpecParsingTests
{
    [Theory]
    [InlineData("poisson:rate=2.5,prompt=1024,output=128", "poisson:rate=2.5,prompt=1024,output=128")]
    [InlineData("poisson:output=uniform:64-256,rate=1,prompt=lognormal:1000,0.8", "poisson:rate=1,prompt=lognormal:1000,0.8,output=uniform:64-256")]
    [InlineData("concurrency:8,prompt=fixed:3200,output=800", "concurrency:8,prompt=3200,output=800")]
    [InlineData("offline:1000,prompt=2048,output=uniform:1-1", "offline:1000,prompt=2048,output=uniform:1-1")]
    [InlineData("trace:requests.jsonl", "trace:requests.jsonl")]
    // Lengths are token counts in the CLI's own spelling (TokenSize, as --prompt 2k): k is 1024, m 1024^2, either case.
    [InlineData("poisson:rate=1,prompt=2k,output=1K", "poisson:rate=1,prompt=2048,output=1024")]
    [InlineData("offline:10,prompt=uniform:512-4k,output=fixed:1m", "offline:10,prompt=uniform:512-4096,output=1048576")]
    public void Workloads_print_back_canonically(string text, string canonical)
    {
        var d = new DiagnosticBag();
        Assert.Equal(canonical, WorkloadSpec.Parse(text, d)?.ToString());
        Assert.Empty(d.Items);
    }

    [Theory]
    [InlineData("poison:rate=1,prompt=1,output=1", "<workload>:1:1: error GD0630: unknown workload 'poison'; known: poisson:rate=R,prompt=P,output=O, concurrency:C,prompt=P,output=O, offline:N,prompt=P,output=O, trace:FILE.jsonl")]
    [InlineData("poisson:rate=0,prompt=1,output=1", "<workload>:1:14: error GD0630: rate (requests per second) must be a number from 0.001 to 1000000, found '0'")]
    // 1e-308 put the arrivals near 10^308 s, where a step's milliseconds vanish: every latency came out 0 with exit 0.
    [InlineData("poisson:rate=1e-308,prompt=1,output=1", "<workload>:1:14: error GD0630: rate (requests per second) must be a number from 0.001 to 1000000, found '1e-308'")]
    [InlineData("poisson:rate=0.0009,prompt=1,output=1", "<workload>:1:14: error GD0630: rate (requests per second) must be a number from 0.001 to 1000000, found '0.0009'")]
    [InlineData("poisson:rate=1,prompt=1024", "<workload>:1:27: error GD0630: poisson needs output=...; e.g. poisson:rate=2,prompt=1024,output=128")]
    [InlineData("poisson:rate=1,promt=1024,output=1", "<workload>:1:16: error GD0630: poisson has no option 'promt'; its options: rate, prompt, output")]
    [InlineData("concurrency:0,prompt=1,output=1", "<workload>:1:13: error GD0630: concurrency must be an integer from 1 to 1000000, found '0'")]
    [InlineData("offline:10,prompt=uniform:900-100,output=1", "<workload>:1:27: error GD0630: prompt: uniform:900-100 has its high below its low")]
    [InlineData("offline:10,prompt=normal:900,output=1", "<workload>:1:19: error GD0630: prompt: expected a length (a number, fixed:N, uniform:LO-HI or lognormal:MEAN,SIGMA), found 'normal'")]
    [InlineData("offline:10,prompt=lognormal:900,9,output=1", "<workload>:1:33: error GD0630: prompt (lognormal sigma) must be a number from 0 to 4, found '9'")]
    [InlineData("offline:10,prompt=1,prompt=2,output=1", "<workload>:1:21: error GD0630: offline: 'prompt' is given twice")]
    [InlineData("offline:10;prompt=1,output=1", "<workload>:1:11: error GD0630: expected ',' between options, found ';'")]
    [InlineData("trace:", "<workload>:1:7: error GD0630: trace: expected the path of a JSONL file after 'trace:'")]
    [InlineData("offline:10,prompt=2m,output=1", "<workload>:1:19: error GD0630: prompt must be a token count from 1 to 1048576 (like 4096, 4k or 1m), found '2m'")]
    [InlineData("offline:10,prompt=-5,output=1", "<workload>:1:19: error GD0630: prompt must be a token count from 1 to 1048576 (like 4096, 4k or 1m), found '-5'")]
    [InlineData("offline:10,prompt=4g,output=1", "<workload>:1:20: error GD0630: expected ',' between options, found 'g'")]
    [InlineData("concurrency:-3,prompt=1,output=1", "<workload>:1:13: error GD0630: concurrency must be an integer from 1 to 1000000, found '-3'")]
    public void Bad_workloads_are_located(string text, string expected)
    {
        var d = new DiagnosticBag();
        Assert.Null(WorkloadSpec.Parse(text, d));
        Assert.Equal(expected, Assert.Single(d.Items).ToString());
    }

    [Theory]
    [InlineData("continuous", "continuous")]
    [InlineData("continuous{max_tokens=4096,max_batch=128}", "continuous{max_batch=128,max_tokens=4096}")]
    [InlineData("chunked{budget=512}", "chunked{budget=512}")]
    [InlineData("static{}", "static")]
    public void Schedulers_print_back_canonically(string text, string canonical)
    {
        var d = new DiagnosticBag();
        Assert.Equal(canonical, SchedulerSpec.Parse(text, d)?.ToString());
        Assert.Empty(d.Items);
    }

    [Theory]
    [InlineData("contnuous", "<scheduler>:1:1: error GD0631: unknown scheduler 'contnuous'; known: static, continuous, chunked, disagg, colocated; did you mean 'continuous'?")]
    [InlineData("chunked{budget=512,max_tokens=1}", "<scheduler>:1:20: error GD0631: chunked has no option 'max_tokens'; its options: budget, max_batch, prefix_caching")]
    [InlineData("chunked{budget=0}", "<scheduler>:1:16: error GD0631: budget must be an integer from 1 to 16777216, found '0'")]
    [InlineData("chunked{budget=128,max_batch=256}", "<scheduler>:1:1: error GD0631: chunked: max_batch=256 is more than budget=128; every running sequence decodes one token per step within the budget")]
    [InlineData("continuous{max_batch=8", "<scheduler>:1:23: error GD0631: expected '}' to close continuous's options")]
    [InlineData("static}", "<scheduler>:1:7: error GD0631: unexpected '}' after the end of the spec")]
    public void Bad_schedulers_are_located(string text, string expected)
    {
        var d = new DiagnosticBag();
        Assert.Null(SchedulerSpec.Parse(text, d));
        Assert.Equal(expected, Assert.Single(d.Items).ToString());
    }

    [Fact]
    public void Slo_targets()
    {
        var d = new DiagnosticBag();
        var slo = SloSpec.Parse("tpot=50,ttft=1000", d)!;
        Assert.Equal((1000.0, 50.0), (slo.TtftMs!.Value, slo.TpotMs!.Value));
        Assert.True(slo.Met(1000, 50));
        Assert.False(slo.Met(1000.1, 10));
        Assert.False(slo.Met(10, 50.1));
        Assert.Null(SloSpec.Parse("ttft=1000,itl=5", d));
        Assert.Equal("<slo>:1:11: error GD0632: --slo has no target 'itl'; its targets: ttft=MS, tpot=MS", d.Items.Single().ToString());
    }

    /// <summary>A negative target is out of range, not "not a number".</summary>
    [Fact]
    public void A_negative_slo_target_asks_for_a_positive_number()
    {
        var d = new DiagnosticBag();
        Assert.Null(SloSpec.Parse("ttft=-1", d));
        Assert.Equal("<slo>:1:6: error GD0632: ttft (milliseconds) must be a number above 0 and at most 1000000000, found '-1'", d.Items.Single().ToString());
    }

    /// <summary>One parser of sizes for the CLI and the specs: its limit is checked before multiplying.</summary>
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("4k", 4096L)]
    [InlineData(" 1M ", 1048576L)]
    [InlineData("2147483648", null)]
    [InlineData("2097152k", null)]
    [InlineData("9223372036854775807k", null)]
    [InlineData("0", null)]
    [InlineData("1.5k", null)]
    [InlineData("k", null)]
    public void Token_sizes(string text, long? expected)
    {
        Assert.Equal(expected, TokenSize.Parse(text, 1, 1L << 30));
        Assert.Equal(expected is null, TokenSize.Problem("--prompt", text, 1L << 30, out var v) is not null);
        if (expected is { } e) Assert.Equal(e, v);
    }
}
