using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// Numbers no real input has (issue 15): a workload beyond 2^31 tokens, a device beyond any built,
/// routing counts near 2^62, measurements that are NaN, zero or negative. Each is refused with the field
/// it concerns; none wraps around, overflows into an exception, or is predicted as if it were real.
/// </summary>
public class HostileNumberTests
{
    [Theory]
    [InlineData(1L << 32, 1024, 1024, 0, "the batch (4294967296) must be from 1 to 2147483648")]
    [InlineData(1, 0, 1024, 0, "the prompt (0 tokens) must be from 1 to 2147483648")]
    [InlineData(1, 1024, -1024, 0, "the context (-1024 tokens) must be from 1 to 2147483648")]
    [InlineData(1, 1024, 1024, long.MaxValue, "the output (9223372036854775807 tokens) must be from 0 to 2147483648")]
    public void A_workload_beyond_the_token_limit_is_refused_by_the_predictor(long batch, long prompt, long context, long output, string problem)
    {
        var predictor = Models.Predictor("llama-3-8b", "h100-sxm", new Deployment(new ParallelLayout(1)), EfficiencyProfile.Find("default")!);
        var e = Assert.Throws<ArgumentException>(() => predictor.Predict(new Workload(batch, prompt, context, output)));
        Assert.Equal(problem, e.Message);
        Assert.Null(new Workload(Workload.MaxTokens, Workload.MaxTokens, Workload.MaxTokens, Workload.MaxTokens).Problem());
    }

    [Fact]
    public void A_device_beyond_any_built_names_the_field_and_the_built_in_catalog_is_within_bounds()
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-hw-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, "{\"devices\": [{\"id\": \"x\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900}, " +
            "\"intra_node\": {\"unidirectional_gbps\": 400, \"latency_us\": 1e300}}]}");
        try
        {
            var e = Assert.Throws<HardwareFileException>(() => HardwareCatalog.BuiltIn().AddFile(path));
            Assert.Equal($"{path}: devices[0] ('x'): 'intra_node.latency_us' is 1E+300, beyond any device (at most 1000000 us)", e.Message);
        }
        finally { File.Delete(path); }
        // Every shipped device is far inside the bounds (the bounds are a thousand times beyond them or more).
        Assert.All(HardwareCatalog.BuiltIn().Devices, d =>
        {
            Assert.InRange(d.MemoryBytes, 1, HardwareLimits.MaxMemoryBytes / 1000);
            Assert.InRange(d.HbmBytesPerSecond / 1e9, 1, HardwareLimits.MaxBandwidthGbps / 100);
        });
    }

    [Fact]
    public void Routing_counts_near_2_62_are_problems_not_overflows()
    {
        long huge = 1L << 62;
        var stats = new RoutingStats("m", 4, 2, new[]
        {
            new LayerRouting("a", huge, new[] { huge, huge, 0, 0 }),
            new LayerRouting("b", 8, new[] { long.MaxValue, long.MaxValue, 1, 1 }),
            new LayerRouting("c", 8, new[] { 4L, 4, 4, 4 }),
        });
        Assert.Equal(new[]
        {
            "layer 0 (a): 4611686018427387904 tokens is more than the limit of 1099511627776 (2^40)",
            "layer 1 (b): an expert received more tokens than the layer routed",
            "layer 1 (b): expert loads sum to more than 2^63, not tokens x top_k = 16",
        }, stats.Validate(3, 4, 2));
    }

    private static readonly string Header = string.Join(",", Measurement.Columns);

    [Theory]
    [InlineData("NaN", "1", "5", "2:79: row 1 (X1): value 'NaN' is not a positive finite number")]
    [InlineData("1e400", "1", "5", "2:79: row 1 (X1): value '1e400' is not a positive finite number")]
    [InlineData("-3", "1", "5", "2:79: row 1 (X1): value '-3' is not a positive finite number")]
    [InlineData("fast", "1", "5", "2:79: row 1 (X1): value 'fast' is not a positive finite number")]
    [InlineData("104.9", "0", "5", "2:51: row 1 (X1): batch '0' is not an integer from 1 to 2147483648")]
    [InlineData("104.9", "1", "9223372036854775807", "2:53: row 1 (X1): prompt '9223372036854775807' is not an integer from 1 to 2147483648")]
    [InlineData("104.9", "1", "five", "2:53: row 1 (X1): prompt 'five' is not an integer from 1 to 2147483648")]
    public void A_bad_measurement_is_an_error_at_its_row_and_field(string value, string batch, string prompt, string message)
    {
        var row = $"X1,llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,{batch},{prompt},200,decode_tokens_per_s,{value},tokens/s,gpt-fast,C,https://example.org,";
        var diagnostics = new DiagnosticBag();
        var rows = Measurement.Parse("m.csv", Header + "\n" + row + "\n", diagnostics);
        Assert.Empty(rows);
        var d = Assert.Single(diagnostics.Items);
        Assert.Equal("m.csv:" + message.Replace(": row", ": error GD0610: row"), d.ToString());
    }

    /// <summary>validate prints a row's id, model, device and metric: an id holding ESC (a terminal's escape sequences), a
    /// line break or a bidi override reached the terminal as it was. Such a field is an error at its row and column that
    /// names the character and never echoes the field; notes and source, printed nowhere, may hold tabs and line breaks.</summary>
    [Theory]
    [InlineData("\"\u001b]0;PWNED\u0007\"", "2:1: row 1: id holds U+001B at its character 1")]
    [InlineData("\"X1\nX2\"", "2:1: row 1: id holds U+000A at its character 3")]
    [InlineData("X1\u2028", "2:1: row 1: id holds U+2028 at its character 3")]
    [InlineData("X\u202e1", "2:1: row 1: id holds U+202E at its character 2")]
    public void A_field_with_a_control_or_format_character_is_an_error_that_does_not_echo_it(string id, string message)
    {
        var row = $"{id},llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,1,5,200,decode_tokens_per_s,104.9,tokens/s,gpt-fast,C,https://example.org,\"two\nlines\tand a tab\"";
        var diagnostics = new DiagnosticBag();
        Assert.Empty(Measurement.Parse("m.csv", Header + "\n" + row + "\n", diagnostics));
        Assert.Equal("m.csv:" + message.Replace(": row", ": error GD0610: row")
            + ", a control, format or line-separator character; a measurement's fields are printed, so they hold printable text only (notes and source may hold tabs and line breaks)",
            Assert.Single(diagnostics.Items).ToString());
    }

    [Fact]
    public void Notes_may_hold_line_breaks_and_tabs()
    {
        var row = "X1,llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,1,5,200,decode_tokens_per_s,104.9,tokens/s,gpt-fast,C,https://example.org,\"two\nlines\tand a tab\"";
        var diagnostics = new DiagnosticBag();
        Assert.Equal("two\nlines\tand a tab", Assert.Single(Measurement.Parse("m.csv", Header + "\n" + row + "\n", diagnostics)).Notes);
        Assert.Empty(diagnostics.Items);
    }

    [Theory]
    [InlineData("", "m.csv:1:1: error GD0610: the file is empty: expected a header row")]
    [InlineData("id,model\nx,y\n", "m.csv:1:1: error GD0610: no column 'hardware', 'gpus'")]
    public void An_empty_file_or_a_missing_column_is_an_error(string text, string message)
    {
        var diagnostics = new DiagnosticBag();
        Assert.Empty(Measurement.Parse("m.csv", text, diagnostics));
        Assert.StartsWith(message, Assert.Single(diagnostics.Items).ToString());
    }

    [Fact]
    public void The_published_dataset_has_no_bad_row()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "measurements.csv");
        var diagnostics = new DiagnosticBag();
        var rows = Measurement.Parse(path, File.ReadAllText(path), diagnostics);
        Assert.Empty(diagnostics.Items);
        Assert.Equal(Csv.ParseRecords(File.ReadAllText(path)).Count - 1, rows.Count);
    }
}
