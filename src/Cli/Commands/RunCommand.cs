using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Cli.Execution;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Numerics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl run FILE --weights W --prompt-tokens 1,2,3 --max-new 16 [--passes P] [--device cpu|cuda]
/// [--check] [--format text|json]</c>: generate tokens with the ILGPU backend.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe or .gir file" };
        var weights = new Option<string>("--weights") { Description = "safetensors weights (graphdsl weights init writes seeded ones)", Required = true };
        var prompt = new Option<string>("--prompt-tokens") { Description = "prompt token ids, e.g. 1,2,3", Required = true };
        var maxNew = new Option<int>("--max-new") { Description = "tokens to generate", DefaultValueFactory = _ => 16 };
        var device = new Option<string>("--device") { Description = "cpu (ILGPU's CPU accelerator) or cuda (the first NVIDIA GPU)", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var check = new Option<bool>("--check") { Description = "also run the reference interpreter and report its tokens and the largest logit difference" };
        var temperature = NumberOptions.Float("--temperature", "0 for greedy; above 0 samples softmax(logits / T)", FloatRange.Between(0), 0);
        var seed = new Option<ulong>("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 1 };
        var format = CommonOptions.Format("text", "text", "json");
        var source = new SourceOptions();
        var pipeline = new PipelineOptions();
        var cmd = new Command("run", "Generate tokens with the ILGPU backend (after the given passes, e.g. fuse or quantize{weights=fp8-e4m3}).")
        {
            file, weights, prompt, maxNew, device, check, temperature, seed, format,
        };
        source.AddTo(cmd);
        pipeline.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var diagnostics = new DiagnosticBag();
            var passes = pipeline.Pipeline(r, diagnostics);
            var tokens = ExecutionInputs.ParseTokens(r.GetValue(prompt)!, "--prompt-tokens");
            int count = r.GetValue(maxNew);
            double temp = r.GetValue(temperature);
            if (count < 1 || count > 100_000) diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, "--max-new must be between 1 and 100000");
            if (passes is null || tokens is null || diagnostics.HasErrors) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }

            var flat = WeightsCommand.LoadFlat(source.Load(r, r.GetValue(file)!));
            if (flat is null || !ExecutionInputs.FitsInHost(flat)) return ExitCodes.InputError;
            var module = Driver.RunPipeline(flat, passes, pipeline.Instrumentation(r));
            if (module is null) return ExitCodes.InputError;
            var weightSet = ExecutionInputs.LoadWeights(r.GetValue(weights)!, module);
            if (weightSet is null) return ExitCodes.InputError;
            var sampling = new SamplingOptions { Temperature = temp, Seed = r.GetValue(seed) };
            GenerationOutcome outcome;
            try
            {
                outcome = GenerationRun.Run(module, weightSet, r.GetValue(device) == "cuda" ? BackendDevice.Cuda : BackendDevice.Cpu, tokens, count, sampling, r.GetValue(check));
            }
            catch (IlgpuExecutionException e)
            {
                Driver.Report((e.Failure switch
                {
                    ExecutionFailure.NoDevice => DiagnosticCatalog.NoDevice,
                    ExecutionFailure.BadInput => DiagnosticCatalog.ExecutionInput,
                    ExecutionFailure.BadWeights => DiagnosticCatalog.ExecutionInput,
                    _ => DiagnosticCatalog.ExecutionUnsupported,
                }).At(SourceSpan.None, e.Message));
                return ExitCodes.InputError;
            }
            catch (InterpreterException e)
            {
                Driver.Report(DiagnosticCatalog.ExecutionInput.At(SourceSpan.None, "reference interpreter: " + e.Message));
                return ExitCodes.InputError;
            }
            catch (DegenerateLogitsException e)
            {
                Driver.Report(DiagnosticCatalog.NonFiniteValues.At(SourceSpan.None, $"logits of step {e.Step} (no token can be chosen; see graphdsl weights check)",
                    e.Scan.NonFinite, e.Scan.Count, e.Scan.FirstNonFinite));
                return ExitCodes.InputError;
            }
            Driver.Report(LogitWarnings(outcome.LogitScans));
            Console.Out.Write(r.GetValue(format) == "json" ? ToJson(outcome, r.GetValue(pipeline.Passes) ?? "") : ToText(outcome));
            if (outcome.MatchesReference == false)
            {
                Console.Error.WriteLine("graphdsl: error GD0704: the ILGPU tokens differ from the reference interpreter's (see reference_tokens)");
                return ExitCodes.InputError;
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Warnings for steps whose logits were partly NaN or infinite, or all equal (GD0708), or extreme
    /// (GD0707): one of each kind, at the first such step, with how many steps were affected.</summary>
    public static List<Diagnostic> LogitWarnings(IReadOnlyList<ValueScan> steps)
    {
        var warnings = new List<Diagnostic>();
        void Warn(Func<ValueScan, bool> affected, Func<string, ValueScan, Diagnostic> diagnostic)
        {
            var hit = Enumerable.Range(0, steps.Count).Where(i => affected(steps[i])).ToList();
            if (hit.Count > 0)
                warnings.Add(diagnostic($"logits of step {hit[0]}" + (hit.Count > 1 ? $" ({hit.Count} of {steps.Count} steps)" : ""), steps[hit[0]]));
        }
        Warn(s => s.NonFinite > 0, (subject, s) => DiagnosticCatalog.DegenerateLogits.At(SourceSpan.None, subject,
            $"{s.NonFinite} of {s.Count} values are NaN or infinite (never chosen)"));
        Warn(s => s.AllEqual, (subject, s) => DiagnosticCatalog.DegenerateLogits.At(SourceSpan.None, subject,
            $"all {s.Count} values are equal ({s.Min.ToString("G4", CultureInfo.InvariantCulture)})"));
        Warn(s => s.Extreme > 0, WeightsCommand.ExtremeValues);
        return warnings;
    }

    private static string Ints(System.Collections.Generic.IEnumerable<int> xs) => string.Join(" ", xs.Select(x => x.ToString(CultureInfo.InvariantCulture)));

    public static string ToText(GenerationOutcome o)
    {
        var s = new System.Text.StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"model {o.Model} on {o.Device}\n");
        s.Append("prompt: ").Append(Ints(o.Prompt)).Append('\n');
        s.Append("tokens: ").Append(Ints(o.Tokens)).Append('\n');
        s.Append(CultureInfo.InvariantCulture, $"{o.TokensPerSecond:F1} tokens/s overall, {o.DecodeTokensPerSecond:F1} tokens/s decode, prefill {o.PrefillMs:F1} ms (kernels compiled in {o.CompileMs:F0} ms)\n");
        if (o.LastStep is { } step)
            s.Append(CultureInfo.InvariantCulture, $"decode step: {step.Instructions} launches, arena {step.Buffers.PeakBytes:N0} bytes for {step.Buffers.TotalBytes:N0} of intermediates, weights {step.WeightBytes:N0} bytes on the device\n");
        if (o.ReferenceTokens is not null)
        {
            s.Append("reference tokens: ").Append(Ints(o.ReferenceTokens)).Append(o.MatchesReference == true ? " (match)" : " (DIFFER)").Append('\n');
            s.Append(CultureInfo.InvariantCulture, $"max |logit difference| along these tokens: {o.MaxAbsLogitDiff:E2}\n");
        }
        return s.ToString();
    }

    public static string ToJson(GenerationOutcome o, string passes) => Json.Write(w =>
    {
        w.WriteString("model", o.Model);
        w.WriteString("device", o.Device);
        w.WriteString("passes", passes);
        Array(w, "prompt_tokens", o.Prompt);
        Array(w, "tokens", o.Tokens);
        w.Number("tokens_per_s", o.TokensPerSecond);
        w.Number("decode_tokens_per_s", o.DecodeTokensPerSecond);
        w.Number("prefill_ms", o.PrefillMs);
        w.Number("compile_ms", o.CompileMs);
        if (o.LastStep is { } step)
        {
            w.Number("launches_per_decode_step", step.Instructions);
            w.Number("arena_bytes", step.Buffers.PeakBytes);
            w.Number("intermediate_bytes", step.Buffers.TotalBytes);
            w.Number("device_weight_bytes", step.WeightBytes);
        }
        if (o.ReferenceTokens is not null)
        {
            Array(w, "reference_tokens", o.ReferenceTokens);
            w.Number("max_abs_logit_diff", o.MaxAbsLogitDiff ?? double.NaN);
            w.WriteBoolean("matches_reference", o.MatchesReference == true);
        }
    });

    private static void Array(System.Text.Json.Utf8JsonWriter w, string name, System.Collections.Generic.IEnumerable<int> xs)
    {
        w.WriteStartArray(name);
        foreach (var x in xs) w.WriteNumberValue(x);
        w.WriteEndArray();
    }
}
