using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Plots;

namespace GraphDsl.Cli.Reports;

/// <summary>
/// <c>predict --report FILE.html</c>: one self-contained page to share: the deployment and the answer (fits, TTFT, TPOT,
/// throughput), a GPU's memory, the prefill and decode steps by bound, the roofline, every op in a table sortable by
/// any column, and both steps' schedules as timelines. Nothing is fetched (inline style, script and SVG, and a content
/// security policy that forbids the rest); every text from the user (model, device, op names) is escaped.
/// </summary>
public static class PredictReport
{
    /// <summary>Writes the page whole or not at all; false after reporting why it could not be written.</summary>
    public static bool Write(string path, Prediction p, Device device, Predictor predictor, Workload workload)
    {
        var (prefill, decode) = predictor.Schedule(workload);
        return Driver.WriteOutput(path, Html(p, device, prefill, decode));
    }

    public static string Html(Prediction p, Device device, IReadOnlyList<GraphDsl.Backends.CostModel.Evaluate.StreamEvent> prefill,
        IReadOnlyList<GraphDsl.Backends.CostModel.Evaluate.StreamEvent> decode)
    {
        var h = new StringBuilder();
        string E(string s) => Markup.Escape(s);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>").Append(E($"{p.Model} on {p.Gpus} x {p.Device}: graphdsl predict")).Append("</title>\n");
        h.Append("<style>").Append(ReportAssets.Style).Append("</style>\n</head>\n<body>\n");
        h.Append("<h1>").Append(E($"{p.Model} on {p.Gpus} x {device.Name} ({p.Device})")).Append("</h1>\n");
        h.Append("<p class=\"sub\">").Append(E(PredictionPlots.Headline(p))).Append("</p>\n");

        h.Append("<h2>Deployment</h2>\n<table>\n");
        Row(h, "GPUs", $"{p.Gpus} x {p.Device} in {p.Nodes} node(s)");
        Row(h, "layout", p.Deployment.Layout.ToString());
        Row(h, "formats", $"weights {p.Deployment.Weights}, kv {p.Deployment.Kv}, activations {p.Deployment.Activations}");
        Row(h, "pipeline", p.Pipeline.ToString());
        Row(h, "profile", p.Profile + (p.Routing.Length > 0 ? $", routing {p.Routing}" : ""));
        Row(h, "workload", $"batch {p.Workload.Batch}, prompt {p.Workload.Prompt}, context {p.Workload.Context}" + (p.Workload.Output > 0 ? $", output {p.Workload.Output}" : ""));
        foreach (var e in p.Emulated) Row(h, "emulated", e);
        h.Append("</table>\n");

        h.Append("<h2>Answer</h2>\n");
        if (!p.Feasible)
        {
            h.Append("<p class=\"bad\">does not fit</p>\n<ul>\n");
            foreach (var r in p.Reasons) h.Append("<li>").Append(E(r)).Append("</li>\n");
            h.Append("</ul>\n");
        }
        h.Append("<table>\n");
        Row(h, "fits", p.Feasible ? "yes" : "no");
        Row(h, "TTFT (a request's, mean over the batch)", $"{F(p.TtftMs)} ms");
        Row(h, "TPOT", $"{F(p.TpotMs)} ms");
        Row(h, "decode tokens/s (cluster)", p.Feasible ? F(p.DecodeTokensPerSecond) : "- (does not fit)");
        Row(h, "decode tokens/s per GPU", p.Feasible ? F(p.DecodeTokensPerSecondPerGpu) : "- (does not fit)");
        if (p.OutputTokensPerSecond is { } o) Row(h, "output tokens/s", F(o));
        else if (p.OutputLimit is { } why) Row(h, "output tokens/s", $"- ({why})");
        Row(h, "largest batch that fits", p.MaxBatch == long.MaxValue ? "unbounded" : p.MaxBatch.ToString(CultureInfo.InvariantCulture));
        Row(h, Rendering.AdmissionNote.Label, Rendering.AdmissionNote.Describe(p));
        h.Append("</table>\n");

        h.Append("<h2>Memory per GPU</h2>\n").Append(BarChartSvg.Render(PredictionPlots.Memory(p)).ToElement("memory"));
        h.Append("<h2>Time by bound</h2>\n").Append(BarChartSvg.Render(PredictionPlots.TimeByBound(p)).ToElement("time"));
        h.Append("<h2>Roofline</h2>\n").Append(ChartSvg.Render(PredictionPlots.Roofline(p, device)).ToElement("roofline"));

        h.Append("<h2>Ops</h2>\n<p class=\"sub\">Every kernel of the decode and prefill steps, summed over its repeats; click a header to sort.</p>\n");
        OpTable(h, p);

        h.Append("<h2>Schedules</h2>\n<p class=\"sub\">One prefill and one decode step on the compute and communication streams (as <code>--trace</code> writes them for Perfetto); hover an op for its time.</p>\n");
        h.Append(TimelineSvg.Render("decode step", decode).ToElement("decode-trace"));
        h.Append(TimelineSvg.Render("prefill step", prefill).ToElement("prefill-trace"));

        h.Append("<footer>graphdsl predict, version ").Append(E(typeof(PredictReport).Assembly.GetName().Version?.ToString(3) ?? "")).Append("</footer>\n");
        h.Append("<script>").Append(ReportAssets.Script).Append("</script>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static readonly (string Key, string Title, bool Numeric)[] Columns =
    {
        ("phase", "phase", false), ("name", "op", false), ("op", "kind", false), ("count", "count", true), ("ms", "ms/step", true),
        ("share", "share of step", true), ("gflop", "GFLOP", true), ("mb", "MB", true), ("intensity", "FLOP/B", true), ("bound", "bound", false),
    };

    private static void OpTable(StringBuilder h, Prediction p)
    {
        h.Append("<div class=\"scroll\"><table class=\"ops\" id=\"ops\">\n<thead><tr>");
        foreach (var (key, title, numeric) in Columns)
            h.Append("<th data-key=\"").Append(key).Append('"').Append(numeric ? " class=\"n\"" : "").Append('>').Append(Markup.Escape(title)).Append("</th>");
        h.Append("</tr></thead>\n<tbody>\n");
        foreach (var (phase, ops, step) in new[] { ("decode", p.DecodeOps, p.Decode.Milliseconds), ("prefill", p.PrefillOps, p.Prefill.Milliseconds) })
            foreach (var op in ops)
            {
                h.Append("<tr>");
                Text(h, phase); Text(h, op.Name); Text(h, op.Op);
                Num(h, op.Count, Markup.Num(op.Count));
                Num(h, op.MillisecondsPerStep, F(op.MillisecondsPerStep));
                double share = step > 0 ? 100 * op.MillisecondsPerStep / step : 0;
                Num(h, share, Markup.Num(share) + "%");
                Num(h, op.Flops / 1e9, F(op.Flops / 1e9));
                Num(h, op.Bytes / 1e6, F(op.Bytes / 1e6));
                double intensity = op.Bytes > 0 ? op.Flops / op.Bytes : 0;
                Num(h, intensity, F(intensity));
                var bound = op.Bound.ToString().ToLowerInvariant();
                h.Append("<td><span class=\"bound\" style=\"background:").Append(PredictionPlots.Color(op.Bound)).Append("\"></span>").Append(bound).Append("</td>");
                h.Append("</tr>\n");
            }
        h.Append("</tbody></table></div>\n");
    }

    private static void Row(StringBuilder h, string name, string value) =>
        h.Append("<tr><th>").Append(Markup.Escape(name)).Append("</th><td>").Append(Markup.Escape(value)).Append("</td></tr>\n");

    private static void Text(StringBuilder h, string text) => h.Append("<td>").Append(Markup.Escape(text)).Append("</td>");

    private static void Num(StringBuilder h, double value, string shown) =>
        h.Append("<td class=\"n\" data-v=\"").Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "0").Append("\">").Append(Markup.Escape(shown)).Append("</td>");

    /// <summary>Three significant decimals below 100, one above: the precision the tables print.</summary>
    private static string F(double v) => v.ToString(Math.Abs(v) >= 100 ? "F1" : "F3", CultureInfo.InvariantCulture);
}
