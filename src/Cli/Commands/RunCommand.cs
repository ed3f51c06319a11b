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
/// [--check] [--format text|json]</c>: generate tokens with the ILGPU backend. Options, then the settings they give
/// (<see cref="Settings"/>), then the generation and its rendering (<see cref="GenerationOutput"/>).</summary>
internal sealed class RunCommand
{
    private readonly Argument<string> _file = new("file") { Description = ".moe or .gir file" };
    private readonly Option<string> _weights = new("--weights") { Description = "safetensors weights (graphdsl weights init writes seeded ones)", Required = true };
    private readonly Option<string> _prompt = new("--prompt-tokens") { Description = "prompt token ids, e.g. 1,2,3", Required = true };
    private readonly Option<int> _maxNew = new("--max-new") { Description = "tokens to generate", DefaultValueFactory = _ => 16 };
    private readonly Option<string> _device = new Option<string>("--device") { Description = "cpu (ILGPU's CPU accelerator) or cuda (the first NVIDIA GPU)", DefaultValueFactory = _ => "cpu" }
        .AcceptOnlyFromAmong("cpu", "cuda");
    private readonly Option<bool> _check = new("--check") { Description = "also run the reference interpreter and report its tokens and the largest logit difference" };
    private readonly Option<double> _temperature = NumberOptions.Float("--temperature", "0 for greedy; above 0 samples softmax(logits / T)", FloatRange.Between(0), 0);
    private readonly Option<ulong> _seed = new("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 1 };
    private readonly Option<string> _format = CommonOptions.Format("text", "text", "json");
    private readonly SourceOptions _source = new();
    private readonly PipelineOptions _pipeline = new();

    /// <summary>What the command line asks for, checked: the passes after flattening, the prompt, how many tokens and how
    /// they are chosen, and where they run.</summary>
    private sealed record Settings(Pipeline Passes, int[] Prompt, int MaxNew, SamplingOptions Sampling, BackendDevice Device, bool Check);

    public static Command Create()
    {
        var c = new RunCommand();
        var cmd = new Command("run", "Generate tokens with the ILGPU backend (after the given passes, e.g. fuse or quantize{weights=fp8-e4m3}).")
        {
            c._file, c._weights, c._prompt, c._maxNew, c._device, c._check, c._temperature, c._seed, c._format,
        };
        c._source.AddTo(cmd);
        c._pipeline.AddTo(cmd);
        cmd.SetAction(c.Run);
        return cmd;
    }

    /// <summary>The settings, or null after reporting what is wrong (usage errors).</summary>
    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        var passes = _pipeline.Pipeline(r, diagnostics);
        var tokens = ExecutionInputs.ParseTokens(r.GetValue(_prompt)!, "--prompt-tokens");
        int count = r.GetValue(_maxNew);
        if (count < 1 || count > 100_000) diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, "--max-new must be between 1 and 100000");
        if (passes is null || tokens is null || diagnostics.HasErrors) return null;
        return new Settings(passes, tokens, count, new SamplingOptions { Temperature = r.GetValue(_temperature), Seed = r.GetValue(_seed) },
            r.GetValue(_device) == "cuda" ? BackendDevice.Cuda : BackendDevice.Cpu, r.GetValue(_check));
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var s = Parse(r, diagnostics);
        if (s is null) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }

        var flat = WeightsCommand.LoadFlat(_source.Load(r, r.GetValue(_file)!));
        if (flat is null || !ExecutionInputs.FitsInHost(flat)) return ExitCodes.InputError;
        var module = Driver.RunPipeline(flat, s.Passes, _pipeline.Instrumentation(r));
        if (module is null) return ExitCodes.InputError;
        // One process runs the model: a tensor- or data-parallel shard is one GPU's part, whose weights and collectives
        // need the others (it was refused as weights that do not fit the model, naming every sharded weight).
        var layout = GraphDsl.Passes.Parallelize.ParallelLayout.Of(module);
        if (layout.Tp * layout.Dp > 1)
        {
            Driver.Report(DiagnosticCatalog.ExecutionUnsupported.At(SourceSpan.None,
                $"run executes the whole model on one device, but the pipeline shards it over tp={layout.Tp} x dp={layout.Dp} GPUs; leave parallelize out of --passes (pp alone runs its stages in turn)"));
            return ExitCodes.InputError;
        }
        var weightSet = ExecutionInputs.LoadWeights(r.GetValue(_weights)!, module);
        if (weightSet is null) return ExitCodes.InputError;
        GenerationOutcome outcome;
        try
        {
            outcome = GenerationRun.Run(module, weightSet, s.Device, s.Prompt, s.MaxNew, s.Sampling, s.Check);
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
        Console.Out.Write(r.GetValue(_format) == "json" ? GenerationOutput.ToJson(outcome, r.GetValue(_pipeline.Passes) ?? "") : GenerationOutput.ToText(outcome));
        if (outcome.MatchesReference == false)
        {
            Console.Error.WriteLine("graphdsl: error GD0704: the ILGPU tokens differ from the reference interpreter's (see reference_tokens)");
            return ExitCodes.InputError;
        }
        return ExitCodes.Ok;
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
}
