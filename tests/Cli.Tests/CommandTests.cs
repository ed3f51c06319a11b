using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>The commands, flags, JSON fields and exit codes users and scripts rely on.</summary>
[Collection(nameof(CliCollection))]
public class CommandTests
{
    [Fact]
    public void Check_of_a_valid_sample_exits_0_silently()
    {
        var r = CliRunner.Run("check", "samples/llama-3-8b.moe", "samples/tiny-moe.moe");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.All);
    }

    [Fact]
    public void Check_reports_file_line_col_id_with_source_line_and_caret_and_exits_1()
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-bad.moe");
        File.WriteAllText(path, "model Broken {\n  input tokens: i32[batch, seq]\n  output y = tokenz\n}\n");
        var r = CliRunner.Run("check", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("graphdsl-bad.moe:3:14: error GD0201: unknown name 'tokenz'; did you mean 'tokens'?", r.Err);
        Assert.Contains(" 3 |   output y = tokenz", r.Err);
        Assert.Contains("   |              ^^^^^^", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }

    /// <summary>A diagnostic on an 800 KB line used to echo the whole line and 800 KB of carets; the snippet is
    /// now a 160-column window around the span, cut with "...".</summary>
    [Fact]
    public void A_diagnostic_on_a_very_long_line_shows_a_window_around_the_span()
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-long-line.moe");
        File.WriteAllText(path, "model M {\n  param p = " + string.Join("+", System.Linq.Enumerable.Repeat("1", 2000)) + " + q\n}\n");
        var r = CliRunner.Run("check", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0", r.Err);
        Assert.True(r.Err.Length < 2000, $"{r.Err.Length} characters of diagnostics for one error");
        var lines = r.Err.Split('\n');
        int source = System.Array.FindIndex(lines, l => l.StartsWith(" 2 | "));
        Assert.True(source >= 0, r.Err);
        Assert.Contains("...", lines[source]);
        Assert.Contains("^", lines[source + 1]);
        // The caret stands under the span's first character in the window.
        int caret = lines[source + 1].IndexOf('^');
        Assert.InRange(caret, " 2 | ".Length, lines[source].Length - 1);
    }

    [Fact]
    public void Check_of_a_missing_file_is_a_diagnostic()
    {
        var r = CliRunner.Run("check", "no/such/file.moe");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0801: cannot read 'no/such/file.moe'", r.Err);
    }

    [Fact]
    public void Check_of_a_directory_says_it_is_a_directory()
    {
        var r = CliRunner.Run("check", "samples");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0801: cannot read 'samples': it is a directory, not a file", r.Err);
    }

    [Fact]
    public void Check_accepts_a_library_file_without_a_model() =>
        Assert.Equal(0, CliRunner.Run("check", "src/Frontend/Stdlib/attention.moe").ExitCode);

    [Fact]
    public void Stats_json_has_the_documented_fields()
    {
        var r = CliRunner.Run("stats", "samples/deepseek-v3.moe", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(671_026_419_200, root.GetProperty("params").GetProperty("total").GetInt64());
        Assert.True(root.GetProperty("params").GetProperty("active").GetInt64() < 40_000_000_000);
        Assert.Equal(61 * (512 + 64) * 2, root.GetProperty("kv_bytes_per_token").GetInt64());
        Assert.Equal(5, root.GetProperty("layers").GetArrayLength()); // embedding, dense layers, MoE layers, final norm, head
        Assert.True(root.GetProperty("flops_per_token").GetProperty("decode").GetDouble() > 0);
    }

    [Fact]
    public void Stats_table_is_the_default()
    {
        var r = CliRunner.Run("stats", "samples/mixtral-8x7b.moe");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("parameters, total", r.Out);
        Assert.Contains("46.70 bn", r.Out);
        Assert.Contains("12.88 bn", r.Out);
    }

    [Fact]
    public void Compile_prints_ir_that_opt_reads_back()
    {
        var gir = Path.Combine(Path.GetTempPath(), "graphdsl-tiny.gir");
        var c = CliRunner.Run("compile", "samples/tiny-dense.moe", "--passes", "inline,canonicalize", "-o", gir);
        Assert.Equal(0, c.ExitCode);
        var o = CliRunner.Run("opt", gir, "--passes", "canonicalize", "--verify-each");
        Assert.Equal(0, o.ExitCode);
        Assert.Equal(File.ReadAllText(gir), o.Out);
    }

    [Fact]
    public void Compile_emits_json()
    {
        var r = CliRunner.Run("compile", "samples/tiny-moe.moe", "--emit", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("TinyMoe", doc.RootElement.GetProperty("module").GetString());
        Assert.True(doc.RootElement.GetProperty("functions").GetArrayLength() > 0);
    }

    [Fact]
    public void Pass_manager_flags_print_after_passes_and_time_them()
    {
        var r = CliRunner.Run("compile", "samples/tiny-dense.moe", "--passes", "inline,canonicalize", "--print-after-all", "--time-passes", "--verify-each");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("// -----// IR Dump After inline //----- //", r.Err);
        Assert.Contains("// -----// IR Dump After canonicalize //----- //", r.Err);
        Assert.Contains("Pass execution timing report", r.Err);
        var only = CliRunner.Run("compile", "samples/tiny-dense.moe", "--passes", "inline,canonicalize", "--print-after", "canonicalize");
        Assert.DoesNotContain("After inline", only.Err);
        Assert.Contains("After canonicalize", only.Err);
    }

    [Fact]
    public void A_bad_pipeline_is_a_usage_error_with_the_column()
    {
        var r = CliRunner.Run("compile", "samples/tiny-dense.moe", "--passes", "inline,canonicalise");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("<pipeline>:1:8: error GD0502: unknown pass 'canonicalise'; did you mean 'canonicalize'?", r.Err);
    }

    [Fact]
    public void An_unknown_print_after_pass_is_a_usage_error()
    {
        var r = CliRunner.Run("compile", "samples/tiny-dense.moe", "--passes", "inline,canonicalize", "--print-after", "canonicalise");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--print-after:1:1: error GD0502: unknown pass 'canonicalise'; did you mean 'canonicalize'?", r.Err);
        Assert.DoesNotContain("IR Dump", r.Err);
    }

    /// <summary>A known pass that the pipeline does not run printed nothing, with exit 0, as if it had run and the flag
    /// had no effect: each command with --print-after names the pass and the pipeline's passes, as a usage error.</summary>
    [Theory]
    [InlineData("compile", "inline,canonicalize", "inline, canonicalize")]
    [InlineData("stats", "inline,canonicalize,inline", "inline, canonicalize")]
    [InlineData("opt", "canonicalize", "canonicalize")]
    [InlineData("compile", null, "none")]
    public void A_print_after_pass_the_pipeline_does_not_run_is_a_usage_error(string command, string? passes, string named)
    {
        using var tree = new GraphDsl.TestSupport.TempTree();
        var file = command == "opt" ? tree.File("m.gir", CliRunner.Run("compile", "samples/tiny-dense.moe", "--passes", "inline").Out) : "samples/tiny-dense.moe";
        var args = new[] { command, file, "--print-after", "fuse" }.Concat(passes is null ? Array.Empty<string>() : new[] { "--passes", passes }).ToArray();
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"graphdsl: error GD0802: --print-after fuse: the pipeline has no 'fuse' pass, so nothing would be printed (its passes: {named})\n", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Fmt_check_accepts_every_sample()
    {
        foreach (var f in Directory.GetFiles(Repo.Samples, "*.moe"))
            Assert.Equal(0, CliRunner.Run("fmt", "--check", f).ExitCode);
    }

    [Fact]
    public void Fmt_check_rejects_a_badly_formatted_file()
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-messy.moe");
        File.WriteAllText(path, "model M{\ninput tokens:i32[batch,seq]\noutput y=tokens\n}\n");
        var r = CliRunner.Run("fmt", "--check", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("model M {\n  input tokens: i32[batch, seq]\n  output y = tokens\n}\n", CliRunner.Run("fmt", path).Out);
    }

    [Fact]
    public void Unknown_commands_and_options_are_usage_errors()
    {
        Assert.Equal(2, CliRunner.Run("frobnicate").ExitCode);
        var r = CliRunner.Run("stats", "samples/tiny-dense.moe", "--format", "xml");
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.All);
    }
}
