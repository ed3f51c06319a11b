using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl calibrate --data ... --engine gpt-fast --free eta_hbm,kernel_us</c>: fits a profile's constants
/// to that engine's calibration points and prints them.</summary>
internal sealed class CalibrateCommand
{
    private readonly Option<string> _data = new("--data") { Description = "measurements CSV", Required = true };
    private readonly Option<string> _samples = new("--samples") { Description = "folder of .moe specs", DefaultValueFactory = _ => "samples" };
    private readonly Option<string> _engine = new("--engine") { Description = "engine family: " + string.Join(", ", Measurement.EngineFamilies), Required = true };
    private readonly Option<string> _free = new("--free") { Description = "constants to fit, comma-separated: " + string.Join(", ", Calibrator.Parameters.Keys), Required = true };
    private readonly Option<string> _start = new("--start") { Description = "profile to start from", DefaultValueFactory = _ => "default" };

    /// <summary>What the command line asks for: the engine family, the constants to fit and the profile to start from
    /// (null when unknown).</summary>
    private sealed record Settings(string Data, string Samples, string Engine, string[] Free, EfficiencyProfile? Start);

    public static Command Create()
    {
        var c = new CalibrateCommand();
        var cmd = new Command("calibrate", "Fit an engine's efficiency constants to its calibration measurements.") { c._data, c._samples, c._engine, c._free, c._start };
        cmd.SetAction(c.Run);
        return cmd;
    }

    private int Run(ParseResult r)
    {
        var s = new Settings(r.GetValue(_data)!, r.GetValue(_samples)!, r.GetValue(_engine)!,
            r.GetValue(_free)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), EfficiencyProfile.Find(r.GetValue(_start)!));
        var usage = Usage(s, r.GetValue(_start)!).ToList();
        if (usage.Count > 0)
        {
            Driver.Report(usage.Select(m => DiagnosticCatalog.InvalidCalibration.At(SourceSpan.None, m)));
            return ExitCodes.UsageError;
        }
        var rows = ValidateCommand.Load(s.Data);
        if (rows is null) return ExitCodes.InputError;
        var cal = rows.Where(m => m.IsCalibration && m.EngineFamily == s.Engine).ToList();
        var validator = ValidateCommand.NewValidator(s.Samples);
        EfficiencyProfile fitted;
        try { fitted = Calibrator.Fit(validator, cal, s.Start! with { Name = s.Engine }, s.Free); }
        catch (ArgumentException e) { Driver.Report(DiagnosticCatalog.CalibrationFailed.At(SourceSpan.None, e.Message)); return ExitCodes.InputError; }
        Console.WriteLine($"{cal.Count} calibration points of {s.Engine}: {string.Join(", ", cal.Select(m => m.Id))}");
        Console.WriteLine($"mean |ln(pred/meas)| {Calibrator.Loss(validator, cal, s.Start!):F4} -> {Calibrator.Loss(validator, cal, fitted):F4}");
        foreach (var n in s.Free) Console.WriteLine(FormattableString.Invariant($"  \"{n}\": {Calibrator.Parameters[n].Get(fitted):G4},"));
        var results = cal.Select(m => validator.Predict(m, fitted)).ToList();
        Console.Out.Write(ValidationReport.Write(results, markdown: false));
        return ExitCodes.Ok;
    }

    /// <summary>What is wrong with the command line, before the data is read. An unknown engine family used to read as "0
    /// calibration points cannot identify 1 constants" (exit 1), an unknown --start as "unknown constant(s)  or profile"
    /// naming nothing, and an empty --free fitted nothing and exited 0.</summary>
    private static IEnumerable<string> Usage(Settings s, string start)
    {
        if (Array.IndexOf(Measurement.EngineFamilies, s.Engine) < 0)
            yield return $"--engine '{s.Engine}' is not an engine family; families: {string.Join(", ", Measurement.EngineFamilies)}{Suggest.DidYouMean(s.Engine, Measurement.EngineFamilies)}";
        if (s.Free.Length == 0) yield return $"--free names no constant to fit; constants: {string.Join(", ", Calibrator.Parameters.Keys)}";
        foreach (var n in s.Free.Where(n => !Calibrator.Parameters.ContainsKey(n)).Distinct())
            yield return $"--free: unknown constant '{n}'; constants: {string.Join(", ", Calibrator.Parameters.Keys)}{Suggest.DidYouMean(n, Calibrator.Parameters.Keys)}";
        foreach (var n in s.Free.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key))
            yield return $"--free: '{n}' is given twice";
        if (s.Start is null)
            yield return $"--start: unknown profile '{start}'; profiles: {string.Join(", ", EfficiencyProfile.BuiltIn.Select(p => p.Name))}{Suggest.DidYouMean(start, EfficiencyProfile.BuiltIn.Select(p => p.Name))}";
    }
}
