using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests.Plots;

/// <summary>The report and a plot rendered by a real browser (headless Chromium): no console message at all (script
/// errors, blocked loads, content-security-policy violations all log one), the page's script ran to its end, sorting the
/// op table works, and the plots have drawn points with an extent. Skipped, saying why, where chromium is absent.</summary>
[Collection(nameof(CliCollection))]
public sealed class BrowserTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [SkippableFact]
    public void The_report_renders_without_console_messages_and_its_table_sorts()
    {
        Skip.If(Chromium.Path is null, Chromium.Missing);
        var html = _tree.PathOf("report.html");
        var r = CliRunner.Run("predict", "samples/deepseek-v3.moe", "--hardware", "h200-sxm", "--gpus", "8", "--weights", "fp8", "--batch", "64", "--prompt", "2048",
            "--context", "8192", "--report", html);
        Assert.True(r.ExitCode == 0, r.All);

        var page = Chromium.Load(html, "#selftest");
        Assert.Empty(page.Console);
        Assert.Matches("<html[^>]* data-ready=\"yes\"", page.Dom);
        // The self-test clicked the ms/step header twice (descending), checked the order and the roofline's points and extent.
        Assert.Matches("<html[^>]* data-selftest=\"ok\"", page.Dom);
        Assert.Contains("aria-sort=\"descending\"", page.Dom);
        Assert.True(Regex.Matches(page.Dom, "class=\"point\"").Count > 10);
        Assert.True(Regex.Matches(page.Dom, "class=\"op\"").Count > 100, "the timelines have their ops");
    }

    [SkippableFact]
    public void A_plot_renders_as_a_standalone_svg_and_inline_with_its_points_drawn()
    {
        Skip.If(Chromium.Path is null, Chromium.Missing);
        var svg = _tree.PathOf("sweep.svg");
        var r = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm,h200-sxm", "--gpus", "1,2", "--tp", "1,2", "--batch", "1,16,256",
            "--context", "8k", "--tpot-slo-ms", "20", "-o", _tree.PathOf("sweep.csv"), "--plot", svg);
        Assert.True(r.ExitCode == 0, r.All);

        // As a file: an XML error would show as a parsererror element in the DOM.
        var standalone = Chromium.Load(svg);
        Assert.Empty(standalone.Console);
        Assert.DoesNotContain("parsererror", standalone.Dom);
        Assert.Contains("<svg", standalone.Dom);

        // Inline in a page whose script measures what the browser drew.
        var text = File.ReadAllText(svg);
        var page = _tree.File("plot.html", "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>" + text[text.IndexOf("<svg", StringComparison.Ordinal)..] +
            "<script>var s = document.querySelector('.series').getBBox(); var n = document.querySelectorAll('circle.point').length;" +
            "document.documentElement.setAttribute('data-drawn', (s.width > 100 && s.height > 100 ? 'yes' : 'no') + ' ' + n);</script></body></html>");
        var loaded = Chromium.Load(page);
        Assert.Empty(loaded.Console);
        int points = Regex.Matches(text, "class=\"point").Count;
        Assert.Matches($"<html[^>]* data-drawn=\"yes {points}\"", loaded.Dom);
    }
}
