using System;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>A deployment that does not fit has no throughput in any format (Llama 3.1 405B in BF16 on one H100 needs
/// 811 GB of weights), so a plot of the outputs never shows an impossible point; the step times stay, as "what if".</summary>
[Collection(nameof(CliCollection))]
public class InfeasibleThroughputTests
{
    private static readonly string[] Predict = { "predict", "samples/llama-3.1-405b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "8" };

    [Fact]
    public void Predict_json_and_table()
    {
        var json = CliRunner.Run([.. Predict, "--format", "json"]);
        Assert.Equal(0, json.ExitCode);
        var root = JsonDocument.Parse(json.Out).RootElement;
        Assert.False(root.GetProperty("feasible").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("decode").GetProperty("tokens_per_s").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("decode").GetProperty("tokens_per_s_per_gpu").ValueKind);
        Assert.True(root.GetProperty("decode").GetProperty("tpot_ms").GetDouble() > 0);
        var table = CliRunner.Run(Predict);
        Assert.Contains(table.Out.Split('\n'), l => l.Contains("decode tokens/s per GPU", StringComparison.Ordinal) && l.Contains("- (does not fit)", StringComparison.Ordinal));
    }

    [Fact]
    public void Sweep_csv_and_json()
    {
        string[] sweep = { "sweep", "samples/llama-3.1-405b.moe", "--hardware", "h100-sxm", "--gpus", "1,8", "--batch", "8" };
        var csv = CliRunner.Run([.. sweep, "--format", "csv"]).Out.Split('\n').Where(l => l.StartsWith("\"\",", StringComparison.Ordinal)).ToList();
        var header = CliRunner.Run([.. sweep, "--format", "csv"]).Out.Split('\n').First(l => l.StartsWith("passes,", StringComparison.Ordinal)).Split(',');
        int feasible = Array.IndexOf(header, "feasible"), tokens = Array.IndexOf(header, "tokens_per_s");
        Assert.NotEmpty(csv);
        foreach (var row in csv.Select(l => l.Split(',')))
            if (row[feasible] == "false") Assert.Equal("", row[tokens]);
        var rows = JsonDocument.Parse(CliRunner.Run([.. sweep, "--format", "json"]).Out).RootElement.GetProperty("configurations").EnumerateArray().ToList();
        Assert.Contains(rows, r => !r.GetProperty("feasible").GetBoolean());
        Assert.All(rows.Where(r => !r.GetProperty("feasible").GetBoolean()), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("tokens_per_s").ValueKind));
    }
}
