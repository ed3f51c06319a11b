using System.IO;
using System.Linq;
using System.Text.Json;
using System.Xml.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>A hybrid model's recurrent state (its Mamba-2 layers', constant in the context) in every output that breaks
/// memory down, not only predict's table and JSON: sweep's CSV, JSON and table, predict's memory picture and the HTML
/// report's. Nemotron-H-8B imported from its config, on one H100 at batch 3 and 128k (as the import's own test).</summary>
[Collection(nameof(CliCollection))]
public sealed class HybridStateOutputTests : System.IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly string[] Workload = { "--hardware", "h100-sxm", "--gpus", "1", "--batch", "3", "--prompt", "4096", "--context", "131072" };
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private string Import(string fixture)
    {
        var spec = _tree.PathOf(fixture + ".moe");
        var r = CliRunner.Run("import", "hf", Path.Combine(Repo.Root, "tests", "Import.Tests", "Fixtures", fixture), "-o", spec);
        Assert.True(r.ExitCode == 0, r.All);
        return spec;
    }

    private static JsonElement Memory(string spec)
    {
        var r = CliRunner.Run(new[] { "predict", spec }.Concat(Workload).Concat(new[] { "--format", "json" }).ToArray());
        Assert.True(r.ExitCode == 0, r.All);
        return JsonDocument.Parse(r.Out).RootElement.GetProperty("memory").Clone();
    }

    private static string Sweep(string spec, string format)
    {
        var r = CliRunner.Run(new[] { "sweep", spec }.Concat(Workload).Concat(new[] { "--format", format }).ToArray());
        Assert.True(r.ExitCode == 0, r.All);
        return r.Out;
    }

    /// <summary>The CSV's row as column name to value (its '#' metadata lines left out).</summary>
    private static System.Collections.Generic.Dictionary<string, string> CsvRow(string csv)
    {
        var lines = csv.Replace("\r\n", "\n").Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();
        Assert.Equal(2, lines.Count);
        // The row's only quoted fields (passes, error) are empty here, so a plain split reads it.
        return lines[0].Split(',').Zip(lines[1].Split(',')).ToDictionary(p => p.First, p => p.Second);
    }

    [Fact]
    public void Sweep_reports_the_state_beside_the_kv_cache()
    {
        var hybrid = Import("Nemotron-H-8B-Base-8K");
        var predicted = Memory(hybrid);
        double state = predicted.GetProperty("state_gb").GetDouble();
        // 3 sequences of 24 Mamba-2 layers' state (the import test derives the per-sequence figure).
        Assert.Equal(3 * predicted.GetProperty("state_gb_per_sequence").GetDouble(), state, 9);

        var row = CsvRow(Sweep(hybrid, "csv"));
        // The CSV's figures have 6 significant digits.
        double Csv(string column) => double.Parse(row[column], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(state, Csv("state_gb"), state * 1e-5);
        double free = predicted.GetProperty("free_gb").GetDouble();
        Assert.Equal(free, Csv("free_gb"), free * 1e-5);

        var json = JsonDocument.Parse(Sweep(hybrid, "json")).RootElement.GetProperty("configurations")[0].GetProperty("memory");
        Assert.Equal(state, json.GetProperty("state_gb").GetDouble(), 9);

        var table = Sweep(hybrid, "markdown").Split('\n');
        Assert.Contains("| KV GB/GPU | state GB/GPU | max batch | fits |", table[0]);
        Assert.Equal(table[0].Count(c => c == '|'), table[2].Count(c => c == '|'));
        Assert.Contains($"| {state.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} |", table[2]);
    }

    [Fact]
    public void A_model_without_state_has_a_zero_column_and_no_table_column()
    {
        var dense = Import("Llama-3.1-8B");
        Assert.Equal("0", CsvRow(Sweep(dense, "csv"))["state_gb"]);
        Assert.False(JsonDocument.Parse(Sweep(dense, "json")).RootElement.GetProperty("configurations")[0].GetProperty("memory").TryGetProperty("state_gb", out _));
        Assert.DoesNotContain("state", Sweep(dense, "markdown").Split('\n')[0]);
    }

    [Fact]
    public void The_memory_picture_and_the_report_draw_the_state()
    {
        var hybrid = Import("Nemotron-H-8B-Base-8K");
        string mem = _tree.PathOf("mem.svg"), html = _tree.PathOf("report.html");
        var r = CliRunner.Run(new[] { "predict", hybrid }.Concat(Workload).Concat(new[] { "--format", "json", "--plot", "memory:" + mem, "--report", html }).ToArray());
        Assert.True(r.ExitCode == 0, r.All);
        var memory = JsonDocument.Parse(r.Out).RootElement.GetProperty("memory");
        double state = memory.GetProperty("state_gb").GetDouble();
        const string part = "per GPU: recurrent state ";

        // The segment's tooltip gives its size to 3 decimals: the JSON's figure, between the KV cache and activations.
        var bars = XDocument.Load(mem).Descendants(Svg + "rect").Where(e => (string?)e.Attribute("class") == "bar").Select(e => e.Element(Svg + "title")!.Value).ToList();
        int at = bars.FindIndex(b => b.StartsWith(part, System.StringComparison.Ordinal));
        Assert.True(at > 0 && bars[at - 1].StartsWith("per GPU: KV cache ", System.StringComparison.Ordinal) && bars[at + 1].StartsWith("per GPU: activations ", System.StringComparison.Ordinal), string.Join("\n", bars));
        string shown = bars[at][part.Length..].Split(' ')[0];
        Assert.Equal(state, double.Parse(shown, System.Globalization.CultureInfo.InvariantCulture), 0.0005);
        // The bar's total counts the state among what is used.
        double used = new[] { "weights_gb", "kv_gb", "state_gb", "activations_gb", "reserve_gb" }
            .Sum(k => memory.TryGetProperty(k, out var v) ? v.GetDouble() : 0);
        Assert.Contains($"{GraphDsl.Cli.Plots.Markup.Num(used)} of ", XDocument.Load(mem).ToString());

        Assert.Contains($"{part}{shown} GB per GPU", File.ReadAllText(html));
    }
}
