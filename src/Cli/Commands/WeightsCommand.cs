using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Cli.Execution;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Types;
using GraphDsl.Numerics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl weights init FILE --seed N -o W.safetensors</c> writes seeded random weights for
/// any spec; <c>graphdsl weights check FILE --weights W</c> reports missing, extra and mis-shaped tensors.</summary>
internal static class WeightsCommand
{
    public static Command Create() => new("weights", "Create or check safetensors weights for a model.") { Init(), Check() };

    private static Command Init()
    {
        var file = new Argument<string>("file") { Description = ".moe or .gir file" };
        var seed = new Option<ulong>("--seed") { Description = "random seed (the same seed gives the same weights)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "safetensors file to write", Required = true };
        var dtype = new Option<string>("--dtype") { Description = $"element type stored in the file: {DType.F32} or {DType.BF16}", DefaultValueFactory = _ => DType.F32.Name };
        dtype.AcceptOnlyFromAmong(DType.F32.Name, DType.BF16.Name);
        var source = new SourceOptions();
        var cmd = new Command("init", "Write seeded random weights for a model (scaled so activations stay well-conditioned).") { file, seed, output, dtype };
        source.AddTo(cmd);
        cmd.SetAction(r =>
        {
            if (!DistinctOutputs.NotTheInput("-o", r.GetValue(output), "FILE", r.GetValue(file)!)) return ExitCodes.UsageError;
            var module = LoadFlat(source.Load(r, r.GetValue(file)!));
            if (module is null || !ExecutionInputs.FitsInHost(module)) return ExitCodes.InputError;
            var weights = WeightInitializer.Create(module, r.GetValue(seed));
            var stored = r.GetValue(dtype) == DType.BF16.Name ? SafetensorsDType.BF16 : SafetensorsDType.F32;
            var path = r.GetValue(output)!;
            var metadata = new Dictionary<string, string>
            {
                ["model"] = module.Name, ["seed"] = r.GetValue(seed).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["generator"] = "graphdsl weights init (WeightInitializer)",
            };
            try { SafetensorsWriter.Write(path, WeightMapping.ToSafetensors(weights, stored), metadata); }
            catch (Exception e) when (FileErrors.IsFileSystemError(e))
            {
                Driver.Report(DiagnosticCatalog.CannotWrite.At(SourceSpan.None, path, FileErrors.Reason(path, e)));
                return ExitCodes.InputError;
            }
            long parameters = weights.Sum(w => (long)w.Values.Length);
            Console.Out.WriteLine($"wrote {weights.Count} tensors, {parameters:N0} parameters ({stored}) for {module.Name} to {path}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Check()
    {
        var file = new Argument<string>("file") { Description = ".moe or .gir file" };
        var weightsPath = new Option<string>("--weights") { Description = "safetensors file", Required = true };
        var source = new SourceOptions();
        var cmd = new Command("check", "Check that a safetensors file holds every weight of a model with the right shape.") { file, weightsPath };
        source.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var module = LoadFlat(source.Load(r, r.GetValue(file)!));
            if (module is null) return ExitCodes.InputError;
            var path = r.GetValue(weightsPath)!;
            try
            {
                using var safetensors = SafetensorsFile.Open(path);
                var report = WeightMapping.Check(module, safetensors);
                if (!report.CanLoad)
                {
                    Driver.Report(DiagnosticCatalog.WeightsMismatch.At(SourceSpan.None, path, module.Name, report.ToString()));
                    return ExitCodes.InputError;
                }
                var values = ValueDiagnostics(WeightValues.Scan(module, safetensors));
                Driver.Report(values);
                Console.Out.WriteLine($"{path}: {report.Matched} tensors match {module.Name}" + (report.Extra.Count > 0 ? $"; {report.Extra.Count} extra ignored: {string.Join(", ", report.Extra.Take(10))}" : ""));
                return values.Any(d => d.Severity == Severity.Error) ? ExitCodes.InputError : ExitCodes.Ok;
            }
            catch (SafetensorsException e)
            {
                Driver.Report(DiagnosticCatalog.BadWeightsFile.At(SourceSpan.None, path, e.Message));
                return ExitCodes.InputError;
            }
            catch (Exception e) when (FileErrors.IsFileSystemError(e))
            {
                Driver.Report(DiagnosticCatalog.FileNotFound.At(SourceSpan.None, path, FileErrors.Reason(path, e)));
                return ExitCodes.InputError;
            }
        });
        return cmd;
    }

    /// <summary>Per tensor: an error for NaN or infinite values (GD0706), a warning for values beyond
    /// <see cref="ValueScan.ExtremeMagnitude"/> (GD0707).</summary>
    private static List<Diagnostic> ValueDiagnostics(IReadOnlyList<(string Name, ValueScan Scan)> scans)
    {
        var diagnostics = new List<Diagnostic>();
        foreach (var (name, scan) in scans)
        {
            var subject = $"tensor '{name}'";
            if (scan.NonFinite > 0) diagnostics.Add(DiagnosticCatalog.NonFiniteValues.At(SourceSpan.None, subject, scan.NonFinite, scan.Count, scan.FirstNonFinite));
            if (scan.Extreme > 0) diagnostics.Add(ExtremeValues(subject, scan));
        }
        return diagnostics;
    }

    /// <summary>GD0707 for a scan with extreme values (weights here, logits in <c>run</c>).</summary>
    public static Diagnostic ExtremeValues(string subject, ValueScan scan) =>
        DiagnosticCatalog.ExtremeValues.At(SourceSpan.None, subject, scan.Extreme, scan.Count,
            ValueScan.ExtremeMagnitude.ToString("0.#E+0", CultureInfo.InvariantCulture), scan.MaxAbs.ToString("0.###E+0", CultureInfo.InvariantCulture));

    /// <summary>The loaded module with calls inlined and canonicalized: the weight names execution uses;
    /// null when it did not load.</summary>
    public static Ir.Graph.Module? LoadFlat(Ir.Graph.Module? module)
    {
        if (module is null) return null;
        return Driver.RunPipeline(module, StandardPipelines.Flatten, new PassManagerOptions());
    }
}
