using System;
using System.IO;
using System.Linq;
using GraphDsl.Cli.Rendering;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// A text that a user's file puts into a CSV (a measurement id, a device id from --hardware-file) and that starts like a
/// spreadsheet formula used to be written as it was: <c>=cmd|' /C calc'!A1</c> ran when the CSV was opened. Such a cell
/// now starts with an apostrophe; numbers (negative ones too) and a lone '-' are written as before.
/// </summary>
[Collection(nameof(CliCollection))]
public class CsvInjectionTests
{
    [Theory]
    [InlineData("=cmd|' /C calc'!A1", "'=cmd|' /C calc'!A1")]
    [InlineData("+1+cmd", "'+1+cmd")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("=1,2", "\"'=1,2\"")]
    [InlineData("-0.25", "-0.25")]
    [InlineData("-1e5", "-1e5")]
    [InlineData("-", "-")]
    [InlineData("h100-sxm", "h100-sxm")]
    public void A_text_cell_that_starts_like_a_formula_is_written_as_text(string text, string cell) =>
        Assert.Equal(cell, Csv.Cell(text));

    [Fact]
    public void Numbers_are_never_prefixed() => Assert.Equal("-5,-0.5", string.Join(",", Csv.Cell(-5L), Csv.Cell(-0.5)));

    /// <summary>A '|' in a measurement's id split validate's markdown row into more cells than its header.</summary>
    [Fact]
    public void Validate_markdown_escapes_a_pipe_in_a_field()
    {
        var row = ValidateOneRow("X|1", "markdown").Split('\n')[2];
        Assert.StartsWith("| X\\|1 | C | llama-2-7b | a100-sxm-80gb | ", row);
        Assert.Equal(14, row.Replace("\\|", "").Count(c => c == '|'));
    }

    [Fact]
    public void Validate_csv_writes_a_formula_id_as_text() =>
        Assert.StartsWith("'=cmd|' /C calc'!A1,C,llama-2-7b,a100-sxm-80gb,", ValidateOneRow("\"=cmd|' /C calc'!A1\"", "csv").Split('\n')[1]);

    /// <summary>validate's output for one measurement (a gpt-fast decode row) whose id field is <paramref name="idField"/>.</summary>
    private static string ValidateOneRow(string idField, string format)
    {
        var header = string.Join(",", GraphDsl.Backends.CostModel.Validation.Measurement.Columns);
        var path = Path.Combine(Directory.CreateTempSubdirectory("graphdsl-validate-").FullName, "m.csv");
        File.WriteAllText(path, header + "\n" + idField + ",llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,1,5,200,decode_tokens_per_s,104.9,tokens/s,gpt-fast,C,https://example.org,\n");
        var r = CliRunner.Run("validate", "--data", path, "--format", format);
        Assert.True(r.ExitCode == 0, r.All);
        return r.Out;
    }
}
