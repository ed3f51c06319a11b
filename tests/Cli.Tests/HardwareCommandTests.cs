using System;
using System.Linq;
using System.Text.Json;
using GraphDsl.Backends.CostModel.Hardware;

namespace GraphDsl.Cli.Tests;

/// <summary>graphdsl hardware lists what --hardware accepts; an unknown family name suggests every variant of it; piped
/// tables are as wide as they need (or as COLUMNS says), never wrapped mid-word.</summary>
[Collection(nameof(CliCollection))]
public class HardwareCommandTests
{
    [Fact]
    public void Json_lists_every_device_of_the_catalog_with_its_figures()
    {
        var r = CliRunner.Run("hardware", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var devices = JsonDocument.Parse(r.Out).RootElement.GetProperty("devices").EnumerateArray().ToList();
        var catalog = HardwareCatalog.BuiltIn();
        Assert.Equal(catalog.Devices.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal), devices.Select(d => d.GetProperty("id").GetString()!).OrderBy(i => i, StringComparer.Ordinal));
        var h100 = devices.Single(d => d.GetProperty("id").GetString() == "h100-sxm");
        Assert.Equal(catalog.Find("h100-sxm")!.HbmBytesPerSecond, h100.GetProperty("hbm_bytes_per_s").GetDouble());
        // Hopper has FP8 tensor cores but no FP4 ones (docs/formats.md, "Native math formats per device").
        var native = h100.GetProperty("native_math").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("fp8", native);
        Assert.DoesNotContain("fp4", native);
    }

    [Fact]
    public void Csv_has_a_row_per_device()
    {
        var r = CliRunner.Run("hardware", "--format", "csv");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.TrimEnd().Split('\n');
        Assert.StartsWith("id,name,vendor,memory_gb,hbm_tb_per_s,bf16_tflops,fp8_tflops,fp4_tflops,int8_tflops,", lines[0]);
        Assert.Equal(HardwareCatalog.BuiltIn().Devices.Count, lines.Length - 1);
        Assert.Contains(lines, l => l.StartsWith("b200,", StringComparison.Ordinal));
    }

    /// <summary>A GB200 NVL72 rack is one 72-GPU node (its NVLink domain) of 4-GPU hosts: every format says so; the table
    /// only where the two differ.</summary>
    [Fact]
    public void Gpus_per_host_is_shown_where_a_node_spans_several_hosts()
    {
        var table = CliRunner.Run("hardware");
        Assert.Equal(0, table.ExitCode);
        var gb200 = table.Out.Split('\n').Single(l => l.Contains("│ gb200 ", StringComparison.Ordinal));
        Assert.Matches(@"│ 72 \(4/host\)\s*│", gb200);
        var h100 = table.Out.Split('\n').Single(l => l.Contains("│ h100-sxm ", StringComparison.Ordinal));
        Assert.Matches(@"│ 8\s+│ 450\s+│", h100);
        Assert.DoesNotContain("/host", h100);

        var csv = CliRunner.Run("hardware", "--format", "csv").Out.TrimEnd().Split('\n');
        Assert.EndsWith(",gpus_per_node,intra_node_gb_per_s,network_gb_per_s,gpus_per_host", csv[0]);
        Assert.Matches("^gb200,.*,72,900,100,4$", csv.Single(l => l.StartsWith("gb200,", StringComparison.Ordinal)));
        Assert.Matches("^h100-sxm,.*,8,450,50,8$", csv.Single(l => l.StartsWith("h100-sxm,", StringComparison.Ordinal)));

        var devices = JsonDocument.Parse(CliRunner.Run("hardware", "--format", "json").Out).RootElement.GetProperty("devices").EnumerateArray().ToList();
        var json = devices.Single(d => d.GetProperty("id").GetString() == "gb200");
        Assert.Equal((72, 4), (json.GetProperty("gpus_per_node").GetInt32(), json.GetProperty("gpus_per_host").GetInt32()));
    }

    [Theory]
    [InlineData("H100", "did you mean 'h100-sxm' or 'h100-pcie'?")]
    [InlineData("a100", "did you mean 'a100-sxm-80gb' or 'a100-sxm-40gb'?")]
    [InlineData("mi300", "did you mean 'mi300x'?")]
    [InlineData("h10-sxm", "did you mean 'h100-sxm'?")]
    public void An_unknown_id_suggests_the_family_s_variants(string id, string suggestion)
    {
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", id);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"error GD0601: unknown hardware '{id}'; {suggestion}; known: ", r.Err);
    }

    [Fact]
    public void A_piped_table_does_not_wrap()
    {
        var r = CliRunner.Run("hardware");
        Assert.Equal(0, r.ExitCode);
        // One row per device: the names are whole on their rows, not broken over lines.
        Assert.Contains(r.Out.Split('\n'), l => l.Contains("AMD Instinct MI300X", StringComparison.Ordinal) && l.Contains("2615", StringComparison.Ordinal));
        Assert.True(r.Out.Split('\n').Max(l => l.Length) > 80);
    }

    [Fact]
    public void A_bad_hardware_file_is_refused_as_predict_refuses_it()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"graphdsl-badhw-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, "{\"devices\": 3}");
        try
        {
            var r = CliRunner.Run("hardware", "--hardware-file", path);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"{path}:1:1: error GD0604: expected an object with a \"devices\" array", r.Err);
        }
        finally { System.IO.File.Delete(path); }
    }
}
