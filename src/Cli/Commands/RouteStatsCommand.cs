using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl route-stats FILE --synthetic zipf:1.2 --seed 7 -o stats.json</c>: routing statistics
/// for a model's MoE layers, generated (uniform or Zipf with exponent a), for predict --routing and place.</summary>
internal static class RouteStatsCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe file" };
        var synthetic = new Option<string>("--synthetic") { Description = "distribution: uniform or zipf:A (A >= 0)", DefaultValueFactory = _ => "uniform" };
        var seed = new Option<ulong>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
        var tokens = new Option<long>("--tokens") { Description = "tokens routed per layer in the sample", DefaultValueFactory = _ => 8192 };
        var coactivation = new Option<bool>("--coactivation") { Description = "also record expert co-activation between consecutive layers (E x E per layer)" };
        var output = CommonOptions.Output();
        var source = new SourceOptions();
        var cmd = new Command("route-stats", "Generate routing statistics (tokens per expert per MoE layer) for a model.") { file, synthetic, seed, tokens, coactivation, output };
        source.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var spec = r.GetValue(synthetic)!;
            double zipf;
            if (spec == "uniform") zipf = 0;
            else if (spec.StartsWith("zipf:", StringComparison.Ordinal) && double.TryParse(spec[5..], NumberStyles.Float, CultureInfo.InvariantCulture, out zipf)
                && FloatRange.Between(0).Contains(zipf)) { }
            else
            {
                Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None, $"--synthetic '{spec}': expected uniform or zipf:A with A >= 0"));
                return ExitCodes.UsageError;
            }
            if (r.GetValue(tokens) is < 1 or > SyntheticRouting.MaxTokens)
            {
                Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None, $"--tokens must be between 1 and {SyntheticRouting.MaxTokens}"));
                return ExitCodes.UsageError;
            }
            if (!DistinctOutputs.NotTheInput("-o", r.GetValue(output), "FILE", r.GetValue(file)!)) return ExitCodes.UsageError;
            var module = source.Load(r, r.GetValue(file)!);
            if (module is null) return ExitCodes.InputError;
            var layers = MoeLayers.Of(module);
            if (layers.Count == 0) { Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None, $"{module.Name} has no MoE layer")); return ExitCodes.InputError; }
            using var progress = Rendering.ProgressLine.Start("route-stats: sampling routes");
            var stats = SyntheticRouting.Generate(module.Name, layers.Select(l => l.Name).ToList(), layers[0].Experts, layers[0].TopK, zipf,
                r.GetValue(tokens), r.GetValue(seed), r.GetValue(coactivation));
            return Driver.WriteOutput(r.GetValue(output), stats.WriteJson) ? ExitCodes.Ok : ExitCodes.InputError;
        });
        return cmd;
    }
}
