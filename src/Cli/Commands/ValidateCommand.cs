using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Backends.Serving.Validation;
using GraphDsl.Cli.Rendering;
using GraphDsl.Frontend;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// <c>graphdsl validate --data measurements.csv</c>: predicts every published measurement with its engine's
/// profile and reports the errors and the MAPE (calibration and checking points apart). The measurements and the
/// models they name are read here for <see cref="CalibrateCommand"/> too.
/// </summary>
internal sealed class ValidateCommand
{
    private readonly Option<string> _data = new("--data") { Description = "measurements CSV", Required = true };
    private readonly Option<string> _samples = new("--samples") { Description = "folder of .moe specs named by the model column", DefaultValueFactory = _ => "samples" };
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "markdown", "csv");

    /// <summary>What the command line asks for.</summary>
    private sealed record Settings(string Data, string Samples, string Format);

    public static Command Create()
    {
        var c = new ValidateCommand();
        var cmd = new Command("validate", "Predict published measurements and report the errors (MAPE).") { c._data, c._samples, c._format };
        cmd.SetAction(r => Run(new Settings(r.GetValue(c._data)!, r.GetValue(c._samples)!, r.GetValue(c._format)!)));
        return cmd;
    }

    private static int Run(Settings s)
    {
        var rows = Load(s.Data);
        if (rows is null) return ExitCodes.InputError;
        // The serving rows are also simulated with serve: a closed loop is scored by it, a max-throughput run cross-checked.
        var validator = NewValidator(s.Samples, MeasurementServing.Serve);
        var results = rows.Select(m => validator.Predict(m, ProfileFor(m))).ToList();
        if (s.Format == "csv") { Console.Out.Write(ValidationReport.Csv(results)); return ExitCodes.Ok; }
        Console.Out.Write(ValidationReport.Write(results, s.Format == "markdown"));
        // Where the model errs: the checking points by regime (an overall MAPE hides it).
        Console.Out.Write("\n" + string.Join("\n", Regimes.Summary(results.Where(x => !x.Measurement.IsCalibration).ToList(), validator.RegimesOf, "checking")) + "\n");
        return ExitCodes.Ok;
    }

    /// <summary>The profile of the measurement's engine on its device (<see cref="EfficiencyProfile.ForEngine"/>).</summary>
    public static EfficiencyProfile ProfileFor(Measurement m) =>
        EfficiencyProfile.ForEngine(m.EngineFamily, HardwareCatalog.BuiltIn().Find(m.Hardware));

    /// <summary>The measurements; null after reporting an unreadable file (GD0801) or bad rows (GD0610, at their fields).</summary>
    public static IReadOnlyList<Measurement>? Load(string path)
    {
        var text = Driver.ReadData(path, Measurement.MaxFileBytes, "a measurements CSV");
        if (text is null) return null;
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        var rows = Measurement.Parse(path, text, diagnostics);
        DiagnosticRenderer.Write(Console.Error, diagnostics.Items,
            new Dictionary<string, GraphDsl.Frontend.Syntax.SourceText> { [path] = new(path, text) });
        return diagnostics.HasErrors ? null : rows;
    }

    /// <summary>Whether a measurement's model column can name a spec: letters, digits, '.', '_' and '-', not starting with
    /// '.' (so no directory part, no "..", no hidden file).</summary>
    public static bool IsSpecName(string model) =>
        model.Length is > 0 and <= 128 && model[0] != '.' && model.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-');

    /// <summary>A validator over the specs in <paramref name="samples"/>, each compiled once, named by the model column;
    /// <paramref name="serve"/> simulates the serving rows beside their predictions (validate gives it, calibrate does not).</summary>
    public static Validator NewValidator(string samples, ServeMeasurement? serve = null)
    {
        var models = new Dictionary<string, Module?>();
        var parts = new Dictionary<string, Module?>();
        Module? Cached(Dictionary<string, Module?> cache, string model, Func<string, Module?> compile)
        {
            if (cache.TryGetValue(model, out var m)) return m;
            // A model name is a file name in the samples folder, never a path: "../x" or "/etc/x" names no spec.
            if (!IsSpecName(model)) return cache[model] = null;
            var path = Path.Combine(samples, model + ".moe");
            return cache[model] = File.Exists(path) ? compile(path) : null;
        }
        return new Validator(model => Cached(models, model, path => Compiler.CompileFile(path).Module), HardwareCatalog.BuiltIn(),
            model => Cached(parts, model, path => Compiler.CompilePartFile(path)?.Module), serve);
    }
}
