using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Validation;

namespace GraphDsl.Cli.Rendering;

/// <summary>The predictions of published measurements as a table (or markdown) with the MAPE per use and metric.</summary>
internal static class ValidationReport
{
    /// <summary>`validate --format csv`: one row per measurement, the measured and predicted values in the metric's own unit
    /// (the metric column names it), the signed error as a fraction, why it was not predicted where it was not; for the serving
    /// rows, the simulated figure, its signed error and the scheduler it ran (<see cref="ServedCheck"/>).</summary>
    public static string Csv(IReadOnlyList<ValidationResult> results)
    {
        var csv = new Csv(new[]
        {
            "id", "use", "model", "hardware", "gpus", "tp", "dp", "ep", "weights", "batch", "prompt", "output", "metric", "measured", "predicted",
            "error", "profile", "not_predicted", "served", "served_error", "served_scheduler", "analytic", "analytic_error",
        });
        foreach (var r in results)
        {
            var m = r.Measurement;
            csv.Row(m.Id, m.Use, m.Model, m.Hardware, m.Gpus, m.Tp, m.Dp, m.Ep, m.Weights, m.Batch, m.Prompt, m.Output, m.Metric, m.Value, r.Predicted,
                r.Error, r.Profile, r.Error is null ? r.Skipped : null, r.Served?.Value, ServedCheck.ServedError(r), r.Served?.Scheduler,
                r.Analytic, r.Analytic is null ? null : r.AnalyticError);
        }
        return csv.ToString();
    }

    public static string Write(IReadOnlyList<ValidationResult> results, bool markdown)
    {
        var sb = new StringBuilder();
        string F(double v) => v.ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
        if (markdown) sb.Append("| id | use | model | hardware | layout | batch | in/out | metric | measured | predicted | error | profile | beside |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            var m = r.Measurement;
            var layout = $"{m.Gpus}x tp{m.Tp?.ToString(CultureInfo.InvariantCulture) ?? "-"} dp{m.Dp?.ToString(CultureInfo.InvariantCulture) ?? "-"} ep{m.Ep?.ToString(CultureInfo.InvariantCulture) ?? "-"} {m.Weights}";
            var pred = r.Predicted is { } p ? F(p) : "-";
            var err = r.Error is { } e ? (Math.Abs(e) < 0.0005 ? "0.0" : (e * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture)) + "%" : r.Skipped;
            var served = Served(r, F);
            var io = $"{m.Prompt?.ToString(CultureInfo.InvariantCulture) ?? "?"}/{m.Output?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
            // A '|' in a field from the file (an id, a device, a reason quoting one) would split the markdown row's cells.
            if (markdown) sb.Append("| ").Append(string.Join(" | ", new[] { m.Id, m.Use, m.Model, m.Hardware, layout, m.Batch?.ToString(CultureInfo.InvariantCulture) ?? "engine",
                io, m.Metric, F(m.Value), pred, err, r.Profile, served ?? "-" }.Select(c => (c ?? "").Replace("|", "\\|")))).Append(" |\n");
            else sb.Append($"{m.Id,-5} {m.Use} {m.Model,-16} {m.Hardware,-14} {layout,-28} b={m.Batch?.ToString(CultureInfo.InvariantCulture) ?? "engine",-6} {io,-10} {m.Metric,-20} meas {F(m.Value),9}  pred {pred,9}  {err}{(served is null ? "" : "  " + served)}\n");
        }
        sb.Append('\n');
        foreach (var use in new[] { "C", "V" })
            foreach (var metric in results.Select(x => x.Measurement.Metric).Distinct().OrderBy(x => x))
            {
                var sel = results.Where(x => x.Measurement.Use == use && x.Measurement.Metric == metric && x.Error is not null).ToList();
                if (sel.Count == 0) continue;
                sb.Append(FormattableString.Invariant($"{(use == "C" ? "calibration" : "checking"),-11} {metric,-20} n={sel.Count,-3} MAPE {Validator.Mape(sel) * 100:F1}%\n"));
            }
        var c = results.Where(x => x.Measurement.IsCalibration && x.Error is not null).ToList();
        var v = results.Where(x => !x.Measurement.IsCalibration && x.Error is not null).ToList();
        // An empty set has no error to report (its mean would print as NaN%).
        static string Mape(List<ValidationResult> set) =>
            set.Count == 0 ? "-" : FormattableString.Invariant($"{Validator.Mape(set) * 100:F1}%");
        sb.Append(FormattableString.Invariant($"calibration points: n={c.Count} MAPE {Mape(c)}; checking points: n={v.Count} MAPE {Mape(v)}; not predicted: {results.Count(x => x.Error is null)}\n"));
        foreach (var line in ServedCheck.Summary(results)) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>What stands beside the prediction: for a row scored by serve, the analytic formula's figure and error
    /// ("analytic 1234 (-5.1%)"); else the served figure and its error ("serve 1234 (-5.1%)"), why it is missing, or null for
    /// rows not served.</summary>
    private static string? Served(ValidationResult r, Func<double, string> format)
    {
        string Signed(double e) => (e * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
        if (r.Analytic is { } a) return $"analytic {format(a)} ({Signed(r.AnalyticError!.Value)}%)";
        return r.Served switch
        {
            null => null,
            { Value: { } v } => $"serve {format(v)} ({Signed(ServedCheck.ServedError(r)!.Value)}%)",
            { Skipped: var why } => "serve " + why,
        };
    }
}
