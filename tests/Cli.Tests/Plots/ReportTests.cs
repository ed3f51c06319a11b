using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Reports;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests.Plots;

/// <summary><c>predict --report FILE.html</c>: one page that fetches nothing, holds every op, escapes every name, and is
/// checked like the other outputs.</summary>
[Collection(nameof(CliCollection))]
public sealed class ReportTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static readonly string[] Predict = PlotCommandTests.Predict;

    [Fact]
    public void The_report_is_self_contained_and_lists_every_op()
    {
        var html = _tree.PathOf("r.html");
        var r = CliRunner.Run(Predict.Concat(new[] { "--report", html, "--format", "json" }).ToArray());
        Assert.True(r.ExitCode == 0, r.All);
        var json = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        var page = File.ReadAllText(html);

        Assert.Contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">", page);
        Assert.Single(Regex.Matches(page, "<script"));
        Assert.DoesNotMatch(@"\s(src|href)\s*=", page);
        // The only URL is the SVG namespace, which names and fetches nothing.
        Assert.DoesNotContain(Regex.Matches(page, "https?://[^\"]*").Select(m => m.Value), u => u != "http://www.w3.org/2000/svg");
        int ops = json.GetProperty("ops").GetArrayLength() + json.GetProperty("prefill_ops").GetArrayLength();
        Assert.Equal(ops, Regex.Matches(page, "<tr><td>(decode|prefill)</td>").Count);
        foreach (var id in new[] { "memory", "time", "roofline", "decode-trace", "prefill-trace" })
            Assert.Contains($"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\"", page);
    }

    [Fact]
    public void Hostile_names_are_escaped_everywhere_in_the_page()
    {
        const string hostile = SvgMarkupTests.Hostile;
        var compiled = CompiledDeployment.Compile(Compiler.CompileFile(Repo.Sample("tiny-moe")).Module!, new Deployment(new ParallelLayout(1)), "", new DiagnosticBag())!;
        var device = HardwareCatalog.BuiltIn().Find("h100-sxm")!;
        var workload = new Workload(4, 64, 128);
        var predictor = new Predictor(compiled, new Cluster(device, 1, 1), EfficiencyProfile.Find("default")!);
        var p = predictor.Predict(workload);
        var named = new Prediction
        {
            Model = hostile, Device = hostile, Gpus = p.Gpus, Nodes = p.Nodes, Deployment = p.Deployment, Workload = p.Workload, Profile = hostile,
            Pipeline = p.Pipeline, Emulated = new[] { hostile }, Feasible = false, Reasons = new[] { hostile }, Memory = p.Memory, MaxBatch = p.MaxBatch,
            Prefill = p.Prefill, TtftMs = p.TtftMs, Decode = p.Decode, DecodeTokensPerSecond = p.DecodeTokensPerSecond,
            DecodeOps = p.DecodeOps.Select(o => o with { Name = hostile, Op = hostile }).ToList(), PrefillOps = p.PrefillOps,
        };
        var (prefill, decode) = predictor.Schedule(workload);
        var page = PredictReport.Html(named, device with { Name = hostile }, prefill, decode);

        Assert.Single(Regex.Matches(page, "<script"));
        Assert.DoesNotContain("<b>", page);
        Assert.DoesNotContain("'x'", page);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;", page);
        // The inline SVGs are well-formed XML on their own.
        foreach (Match svg in Regex.Matches(page, "<svg .*?</svg>", RegexOptions.Singleline))
            System.Xml.Linq.XDocument.Parse(svg.Value);
    }

    [Theory]
    [InlineData("r.pdf", "GD0845: --report '{0}': the report is an HTML page; name the file .html")]
    [InlineData("no/such/r.html", "GD0843: --report '{0}': the folder '{1}' does not exist (checked before running, so nothing was computed)")]
    public void A_bad_report_file_is_a_usage_error(string name, string message)
    {
        var path = _tree.PathOf(name);
        var r = CliRunner.Run(Predict.Concat(new[] { "--report", path }).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("graphdsl: error " + string.Format(message, path, Path.GetDirectoryName(path)) + "\n", r.Err.Replace("\r\n", "\n"));
    }
}
