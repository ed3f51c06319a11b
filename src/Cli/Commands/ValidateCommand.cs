using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Frontend;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// <c>graphdsl validate --data measurements.csv</c>: predicts every published measurement with its engine's
/// profile and reports the errors and the MAPE (calibration and checking points apart).
/// <c>graphdsl calibrate --data ... --engine gpt-fast --free eta_hbm,kernel_us</c>: fits a profile's constants
/// to that engine's calibration points and prints them.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "measurements CSV", Required = true };
        var samples = new Option<string>("--samples") { Description = "folder of .moe specs named by the model column", DefaultValueFactory = _ => "samples" };
        var format = CommonOptions.Format("table", "table", "markdown");
        var cmd = new Command("validate", "Predict published measurements and report the errors (MAPE).") { data, samples, format };
        cmd.SetAction(r =>
        {
            var rows = Load(r.GetValue(data)!);
            if (rows is null) return ExitCodes.InputError;
            var validator = NewValidator(r.GetValue(samples)!);
            var results = rows.Select(m => validator.Predict(m, ProfileFor(m))).ToList();
            Console.Out.Write(Report(results, r.GetValue(format) == "markdown"));
            // Where the model errs: the checking points by regime (an overall MAPE hides it).
            Console.Out.Write("\n" + string.Join("\n", Regimes.Summary(results.Where(x => !x.Measurement.IsCalibration).ToList(), validator.RegimesOf, "checking")) + "\n");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    public static Command CreateCalibrate()
    {
        var data = new Option<string>("--data") { Description = "measurements CSV", Required = true };
        var samples = new Option<string>("--samples") { Description = "folder of .moe specs", DefaultValueFactory = _ => "samples" };
        var engine = new Option<string>("--engine") { Description = "engine family: gpt-fast, trtllm, fastertransformer, vllm, sglang", Required = true };
        var free = new Option<string>("--free") { Description = "constants to fit, comma-separated: " + string.Join(", ", Calibrator.Parameters.Keys), Required = true };
        var start = new Option<string>("--start") { Description = "profile to start from", DefaultValueFactory = _ => "default" };
        var cmd = new Command("calibrate", "Fit an engine's efficiency constants to its calibration measurements.") { data, samples, engine, free, start };
        cmd.SetAction(r =>
        {
            var rows = Load(r.GetValue(data)!);
            if (rows is null) return ExitCodes.InputError;
            var fam = r.GetValue(engine)!;
            var cal = rows.Where(m => m.IsCalibration && m.EngineFamily == fam).ToList();
            var names = r.GetValue(free)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => !Calibrator.Parameters.ContainsKey(n)).ToList();
            var startProfile = EfficiencyProfile.Find(r.GetValue(start)!);
            if (unknown.Count > 0 || startProfile is null)
            {
                Console.Error.WriteLine($"graphdsl: error GD0606: unknown constant(s) {string.Join(", ", unknown)} or profile; constants: {string.Join(", ", Calibrator.Parameters.Keys)}");
                return ExitCodes.UsageError;
            }
            var validator = NewValidator(r.GetValue(samples)!);
            EfficiencyProfile fitted;
            try { fitted = Calibrator.Fit(validator, cal, startProfile with { Name = fam }, names); }
            catch (ArgumentException e) { Console.Error.WriteLine("graphdsl: error GD0606: " + e.Message); return ExitCodes.InputError; }
            Console.WriteLine($"{cal.Count} calibration points of {fam}: {string.Join(", ", cal.Select(m => m.Id))}");
            Console.WriteLine($"mean |ln(pred/meas)| {Calibrator.Loss(validator, cal, startProfile):F4} -> {Calibrator.Loss(validator, cal, fitted):F4}");
            foreach (var n in names) Console.WriteLine(FormattableString.Invariant($"  \"{n}\": {Calibrator.Parameters[n].Get(fitted):G4},"));
            var results = cal.Select(m => validator.Predict(m, fitted)).ToList();
            Console.Out.Write(Report(results, markdown: false));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>The profile of the measurement's engine on its device (<see cref="EfficiencyProfile.ForEngine"/>).</summary>
    public static EfficiencyProfile ProfileFor(Measurement m) =>
        EfficiencyProfile.ForEngine(m.EngineFamily, HardwareCatalog.BuiltIn().Find(m.Hardware));

    /// <summary>The measurements; null after reporting an unreadable file (GD0801) or bad rows (GD0610, at their fields).</summary>
    private static IReadOnlyList<Measurement>? Load(string path)
    {
        var text = Driver.ReadData(path, Measurement.MaxFileBytes, "a measurements CSV");
        if (text is null) return null;
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        var rows = Measurement.Parse(path, text, diagnostics);
        Rendering.DiagnosticRenderer.Write(Console.Error, diagnostics.Items,
            new Dictionary<string, GraphDsl.Frontend.Syntax.SourceText> { [path] = new(path, text) });
        return diagnostics.HasErrors ? null : rows;
    }

    public static Validator NewValidator(string samples)
    {
        var cache = new Dictionary<string, Module?>();
        return new Validator(model =>
        {
            if (cache.TryGetValue(model, out var m)) return m;
            var path = Path.Combine(samples, model + ".moe");
            m = File.Exists(path) ? Compiler.CompileFile(path).Module : null;
            cache[model] = m;
            return m;
        }, HardwareCatalog.BuiltIn());
    }

    public static string Report(IReadOnlyList<ValidationResult> results, bool markdown)
    {
        var sb = new StringBuilder();
        string F(double v) => v.ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
        if (markdown) sb.Append("| id | use | model | hardware | layout | batch | in/out | metric | measured | predicted | error | profile |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            var m = r.Measurement;
            var layout = $"{m.Gpus}x tp{m.Tp?.ToString(CultureInfo.InvariantCulture) ?? "-"} dp{m.Dp?.ToString(CultureInfo.InvariantCulture) ?? "-"} ep{m.Ep?.ToString(CultureInfo.InvariantCulture) ?? "-"} {m.Weights}";
            var pred = r.Predicted is { } p ? F(p) : "-";
            var err = r.Error is { } e ? (Math.Abs(e) < 0.0005 ? "0.0" : (e * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture)) + "%" : r.Skipped;
            var io = $"{m.Prompt?.ToString(CultureInfo.InvariantCulture) ?? "?"}/{m.Output?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
            if (markdown) sb.Append($"| {m.Id} | {m.Use} | {m.Model} | {m.Hardware} | {layout} | {m.Batch?.ToString(CultureInfo.InvariantCulture) ?? "engine"} | {io} | {m.Metric} | {F(m.Value)} | {pred} | {err} | {r.Profile} |\n");
            else sb.Append($"{m.Id,-5} {m.Use} {m.Model,-16} {m.Hardware,-14} {layout,-28} b={m.Batch?.ToString(CultureInfo.InvariantCulture) ?? "engine",-6} {io,-10} {m.Metric,-20} meas {F(m.Value),9}  pred {pred,9}  {err}\n");
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
        static string Mape(System.Collections.Generic.List<ValidationResult> set) =>
            set.Count == 0 ? "-" : FormattableString.Invariant($"{Validator.Mape(set) * 100:F1}%");
        sb.Append(FormattableString.Invariant($"calibration points: n={c.Count} MAPE {Mape(c)}; checking points: n={v.Count} MAPE {Mape(v)}; not predicted: {results.Count(x => x.Error is null)}\n"));
        return sb.ToString();
    }
}
