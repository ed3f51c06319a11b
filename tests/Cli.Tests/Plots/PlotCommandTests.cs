using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests.Plots;

/// <summary><c>--plot [KIND:]FILE.svg</c> on predict, sweep, plan and serve: each kind draws well-formed SVG with the data
/// it should (only configurations that fit), and every bad --plot is a usage error before anything runs.</summary>
[Collection(nameof(CliCollection))]
public sealed class PlotCommandTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>A predict of an MoE model on two GPUs that fits (the report's tests use it too).</summary>
    internal static readonly string[] Predict =
        { "predict", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "2", "--weights", "fp8", "--batch", "16", "--prompt", "1024", "--context", "4096" };

    private static XDocument Read(string path) => XDocument.Load(path);

    private static int Count(XDocument d, string cls) =>
        d.Descendants().Count(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cls) == true);

    [Fact]
    public void Predict_draws_the_roofline_by_default_and_memory_and_time_when_asked()
    {
        string roof = _tree.PathOf("roof.svg"), mem = _tree.PathOf("mem.svg"), time = _tree.PathOf("time.svg");
        var r = CliRunner.Run(Predict.Concat(new[] { "--plot", roof, "--plot", "memory:" + mem, "--plot", "time:" + time, "--format", "json" }).ToArray());
        Assert.True(r.ExitCode == 0, r.All);
        var json = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;

        var roofline = Read(roof);
        // One point per op with FLOPs and bytes, in both steps; roofs for bf16 and fp8 (an H100 has no fp4 math).
        int withWork = json.GetProperty("ops").EnumerateArray().Concat(json.GetProperty("prefill_ops").EnumerateArray())
            .Count(o => o.GetProperty("flops").GetDouble() > 0 && o.GetProperty("bytes").GetDouble() > 0 && o.GetProperty("time_ms").GetDouble() > 0);
        Assert.True(withWork > 10, $"{withWork} ops with work");
        Assert.Equal(withWork, Count(roofline, "point"));
        var legend = string.Join(" ", roofline.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Descendants(Svg + "text").Select(t => t.Value));
        Assert.Contains("bf16 roof: 989 TFLOP/s dense peak, 3.35 TB/s HBM", legend);
        Assert.Contains("fp8 roof: 1.979 PFLOP/s", legend);
        Assert.DoesNotContain("fp4 roof", legend);
        Assert.Contains("arithmetic intensity (FLOP per byte of HBM traffic) (log scale)", roofline.ToString());

        // The memory bar's parts add up to what predict reports, in GB (10^9 bytes).
        var bars = Read(mem).Descendants(Svg + "rect").Where(e => (string?)e.Attribute("class") == "bar").Select(e => e.Element(Svg + "title")!.Value).ToList();
        var memory = json.GetProperty("memory");
        Assert.StartsWith($"per GPU: weights {Plots_Label(memory.GetProperty("weights_gb").GetDouble())} GB per GPU", bars[0]);
        // A part per bound that takes time, in each step.
        var parts = Read(time).Descendants(Svg + "rect").Where(e => (string?)e.Attribute("class") == "bar").Select(e => e.Element(Svg + "title")!.Value).ToList();
        foreach (var (phase, label) in new[] { ("prefill", "prefill (batch)"), ("decode", "decode step") })
        {
            var p = json.GetProperty(phase);
            int nonZero = new[] { "compute_bound_ms", "memory_bound_ms", "communication_ms", "launch_ms" }.Count(k => p.GetProperty(k).GetDouble() > 0);
            Assert.Equal(nonZero, parts.Count(t => t.StartsWith(label + ": ", StringComparison.Ordinal)));
        }
    }

    private static string Plots_Label(double v) => GraphDsl.Cli.Plots.Scale.Label(Math.Round(v, v >= 100 ? 1 : 3));

    [Fact]
    public void A_sweep_plot_draws_only_the_configurations_that_fit_and_marks_the_front()
    {
        string svg = _tree.PathOf("sweep.svg"), csv = _tree.PathOf("sweep.csv");
        // Llama 3 70B in bf16 (141 GB of weights) cannot fit one H100 at all: those rows must not appear as points.
        var r = CliRunner.Run("sweep", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "1,2,4", "--tp", "1,2,4", "--batch", "1,16,256",
            "--context", "8k", "--tpot-slo-ms", "40", "-o", csv, "--plot", svg);
        Assert.True(r.ExitCode == 0, r.All);
        var rows = File.ReadAllLines(csv).Where(l => !l.StartsWith('#')).Skip(1).ToList();
        int feasible = rows.Count(l => l.Split(',')[15] == "true");
        Assert.True(feasible > 0 && feasible < rows.Count, $"{feasible} of {rows.Count} fit");
        var doc = Read(svg);
        var plain = doc.Descendants(Svg + "circle").Where(c => (string?)c.Attribute("class") == "point").ToList();
        Assert.Equal(feasible, plain.Count);
        Assert.All(plain, c => Assert.DoesNotContain("x 1,", c.Element(Svg + "title")!.Value));
        Assert.True(Count(doc, "front") >= 1);
        Assert.Equal(1, Count(doc, "best"));
        Assert.Contains($"{feasible} of {rows.Count} configuration(s) fit (the rest are not drawn)", doc.ToString());
        Assert.Contains("TPOT SLO 40 ms = 25 tokens/s/user", doc.ToString());
    }

    [Fact]
    public void A_sweep_where_nothing_fits_writes_a_plot_that_says_so_with_a_warning()
    {
        string svg = _tree.PathOf("none.svg");
        var r = CliRunner.Run("sweep", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--context", "4k", "-o", _tree.PathOf("x.csv"), "--plot", "pareto-tpot:" + svg);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains($"warning GD0844: --plot pareto-tpot '{svg}': no configuration fits: nothing to plot; the file says so in place of the plot", r.Err);
        var doc = Read(svg);
        Assert.Equal(0, Count(doc, "point"));
        Assert.Equal("no configuration fits: nothing to plot", doc.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "empty").Value);
    }

    [Fact]
    public void Serve_draws_the_latency_distributions_with_the_slo_targets()
    {
        string svg = _tree.PathOf("lat.svg");
        var r = CliRunner.Run("serve", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--workload", "poisson:rate=4,prompt=512,output=64",
            "--requests", "200", "--slo", "ttft=500,tpot=30", "--format", "json", "--plot", svg);
        Assert.True(r.ExitCode == 0, r.All);
        var json = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        var doc = Read(svg);
        var lines = doc.Descendants(Svg + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(101, ((string)l.Attribute("points")!).Split(' ').Length));
        var text = string.Join("|", doc.Descendants(Svg + "text").Select(t => t.Value));
        Assert.Contains("TTFT SLO 500 ms", text);
        Assert.Contains("TPOT SLO 30 ms", text);
        Assert.Contains($"p90 {GraphDsl.Cli.Plots.Markup.Num(json.GetProperty("ttft_ms").GetProperty("p90").GetDouble())}", text);
    }

    /// <summary>The run over time: three panels on one time axis, each line a point per interval of the JSON's
    /// time_series.</summary>
    [Fact]
    public void Serve_draws_the_time_series_as_three_panels_of_lines()
    {
        string svg = _tree.PathOf("series.svg");
        var r = CliRunner.Run("serve", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--workload", "poisson:rate=8,prompt=512,output=128",
            "--requests", "200", "--format", "json", "--plot", "time-series:" + svg);
        Assert.True(r.ExitCode == 0, r.All);
        var series = System.Text.Json.JsonDocument.Parse(r.Out).RootElement.GetProperty("time_series").EnumerateArray().ToList();
        Assert.True(series.Count > 10, $"{series.Count} intervals");
        var doc = Read(svg);
        Assert.Equal(3 * GraphDsl.Cli.Plots.TimeSeriesPlot.PanelHeight, (double)doc.Root!.Attribute("height")!);
        var panels = doc.Root.Elements(Svg + "g").Where(g => (string?)g.Attribute("class") == "panel").ToList();
        Assert.Equal(new[] { "translate(0 0)", "translate(0 300)", "translate(0 600)" }, panels.Select(g => (string)g.Attribute("transform")!));
        // Running and waiting; KV utilisation; output and prefill tokens/s: a point per interval each.
        Assert.Equal(new[] { 2, 1, 2 }, panels.Select(g => g.Descendants(Svg + "polyline").Count()));
        Assert.All(doc.Descendants(Svg + "polyline"), l => Assert.Equal(series.Count, ((string)l.Attribute("points")!).Split(' ').Length));
        var legend = string.Join("|", doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "legend").Descendants(Svg + "text").Select(t => t.Value));
        Assert.Equal("running (in flight)|waiting (queued)|KV cache used|full|output tokens/s|prefill tokens/s", legend);
        Assert.Contains("time (s; 1 s intervals)", doc.ToString());
        Assert.Contains("KV cache used (%)", doc.ToString());
    }

    [Fact]
    public void A_plan_plot_draws_the_simulated_candidates_and_the_planners_front()
    {
        string svg = _tree.PathOf("plan.svg");
        var r = CliRunner.Run("plan", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--weights", "fp8", "--workload", "concurrency:32,prompt=512,output=64",
            "--slo", "ttft=2000,tpot=60", "--simulate", "6", "--requests", "100", "--format", "json", "--plot", svg);
        Assert.True(r.ExitCode == 0, r.All);
        var json = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        var doc = Read(svg);
        Assert.Equal(json.GetProperty("simulated").GetArrayLength(), Count(doc, "point") - Count(doc, "front") - Count(doc, "best"));
        Assert.Equal(json.GetProperty("pareto").GetArrayLength(), Count(doc, "front"));
    }

    [Theory]
    [InlineData("pareto:x.svg", "predict does not draw pareto (output tokens/s per GPU against tokens/s per user, the Pareto front highlighted, the TPOT SLO as a line); predict draws roofline, memory, time")]
    [InlineData("rooflin:x.svg", "unknown plot 'rooflin'; did you mean 'roofline'?; predict draws roofline, memory, time")]
    [InlineData("x.png", "plots are written as SVG, not '.png'; name the file .svg")]
    [InlineData("memory:", "no file named; give KIND:FILE.svg")]
    public void A_bad_plot_is_a_usage_error_naming_what_predict_draws(string value, string message)
    {
        var r = CliRunner.Run(Predict.Concat(new[] { "--plot", value }).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"graphdsl: error GD0842: --plot '{value}': {message}\n", r.Err.Replace("\r\n", "\n"));
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void The_same_file_twice_is_refused()
    {
        var path = _tree.PathOf("a.svg");
        var r = CliRunner.Run(Predict.Concat(new[] { "--plot", path, "--plot", "memory:" + path }).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"error GD0842: --plot 'memory:{path}': '{path}' is named twice; give each picture its own file", r.Err);
    }

    [Fact]
    public void A_missing_folder_is_reported_before_anything_runs()
    {
        var path = _tree.PathOf("no/such/plan.svg");
        var r = CliRunner.Run("plan", "samples/deepseek-v3.moe", "--hardware", "h100-sxm", "--gpus", "8,16,32,64", "--workload", "poisson:rate=5,prompt=2048,output=256",
            "--slo", "tpot=50", "--plot", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"graphdsl: error GD0843: --plot '{path}': the folder '{_tree.PathOf("no/such")}' does not exist (checked before running, so nothing was computed)\n", r.Err.Replace("\r\n", "\n"));
    }

    [Theory]
    [InlineData("--plot", "taken.svg")]
    [InlineData("--report", "taken.html")]
    public void An_output_over_a_folder_is_GD0803_and_leaves_no_temporary_file(string option, string name)
    {
        var dir = _tree.Folder(name);
        var r = CliRunner.Run(Predict.Concat(new[] { option, dir }).ToArray());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error GD0803: cannot write '{dir}'", r.Err);
        Assert.Empty(Directory.GetFiles(_tree.Root, "*.tmp", SearchOption.AllDirectories));
    }
}
