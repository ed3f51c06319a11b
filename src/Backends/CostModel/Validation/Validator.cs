using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>A prediction of one measurement, or why it cannot be predicted.</summary>
public sealed record ValidationResult(Measurement Measurement, double? Predicted, string Skipped, string Profile)
{
    public double? Error => Predicted is { } p ? (p - Measurement.Value) / Measurement.Value : null;
}

/// <summary>
/// Predicts each measurement as the cost model would be asked: same model, GPUs, layout, formats, batch
/// and lengths. Decode metrics are taken at the average context of the generation (prompt + output/2);
/// end-to-end throughput of a fixed batch is batch x output / (TTFT + output x TPOT); runs whose batch the
/// engine chose are predicted at the largest batch that fits (capped at <see cref="EngineBatchCap"/> per replica).
/// </summary>
public sealed class Validator
{
    /// <summary>Largest batch per replica assumed for max-throughput runs: trtllm-bench, which ran every such point,
    /// caps the batch it configures at 4,096 requests (<c>min(kv_cache_max_requests, 4096)</c> in
    /// tensorrt_llm/bench/build/tuning.py); below that the KV cache limits it.</summary>
    public const long EngineBatchCap = 4096;

    private readonly Func<string, Module?> _models;
    private readonly HardwareCatalog _catalog;
    private readonly Dictionary<string, CompiledDeployment?> _compiled = new();

    public Validator(Func<string, Module?> models, HardwareCatalog catalog) { _models = models; _catalog = catalog; }

    public static string MapFormat(string f) => f switch
    {
        "" => "keep",
        "fp16" => "f16",
        "fp4" => "nvfp4",
        _ => f,
    };

    public ValidationResult Predict(Measurement m, EfficiencyProfile profile)
    {
        ValidationResult Skip(string why) => new(m, null, why, profile.Name);
        if (m.Prompt is null || m.Output is null && m.Metric != "ttft_ms") return Skip("prompt/output lengths not published");
        if (m.Notes.Contains("with MTP") || m.Notes.Contains("MTP speculative") || m.Notes.Contains("includes speculative", StringComparison.OrdinalIgnoreCase))
            return Skip("speculative decoding (MTP) not modelled");
        if (m.Batch is null && m.Metric != "output_tokens_per_s") return Skip("batch chosen by the engine and not published");
        var device = _catalog.Find(m.Hardware);
        if (device is null) return Skip($"no device '{m.Hardware}'");
        int dp = m.Dp ?? 1, pp = m.Pp ?? 1;
        int tp = m.Tp ?? Math.Max(1, m.Gpus / (dp * pp));
        if (tp * dp * pp != m.Gpus) return Skip($"layout tp {tp} x dp {dp} x pp {pp} does not cover {m.Gpus} GPUs");
        var dep = new Deployment(tp, m.Ep ?? 1, dp, pp, MapFormat(m.Weights), MapFormat(m.Kv)) { MoeComm = profile.MoeComm };
        var compiled = Compile(m.Model, dep);
        if (compiled is null) return Skip($"cannot compile {m.Model} for {dep}");
        var cluster = new Cluster(device, m.Nodes, m.Gpus / m.Nodes);
        var predictor = new Predictor(compiled, cluster, profile);
        long prompt = m.Prompt!.Value, output = m.Output ?? 0;
        double mid = prompt + output / 2.0;
        double? predicted;
        switch (m.Metric)
        {
            case "ttft_ms":
                // Published TTFTs of static batches (TensorRT-LLM v0.5's tables) are the whole batch's prefill: no
                // request gets its first token before every prompt of the batch is prefilled.
                predicted = predictor.BatchPrefillSeconds((double)m.Batch!.Value / dp, prompt) * 1e3;
                break;
            case "tpot_ms":
                predicted = predictor.TpotSeconds((double)m.Batch!.Value / dp, mid) * 1e3;
                break;
            case "decode_tokens_per_s":
                predicted = m.Batch!.Value / predictor.TpotSeconds((double)m.Batch.Value / dp, mid);
                break;
            case "request_latency_ms":
            {
                double br = (double)m.Batch!.Value / dp;
                predicted = (predictor.BatchPrefillSeconds(br, prompt) + output * predictor.TpotSeconds(br, mid)) * 1e3;
                break;
            }
            case "output_tokens_per_s":
            {
                double br;
                // An engine runs no more sequences than its KV cache holds (at their mean length); the rest queue.
                if (m.Batch is { } b) br = Math.Min((double)b / dp, predictor.Predict(new Workload(dp, prompt, (long)mid, output), details: false).Memory.MaxBatchPerReplica);
                else
                {
                    var fit = predictor.Predict(new Workload(dp, prompt, prompt + output, output), details: false).Memory.MaxBatchPerReplica;
                    br = Math.Min(fit, EngineBatchCap);
                    if (br < 1) return Skip("nothing fits");
                }
                predicted = br * dp * output / (predictor.BatchPrefillSeconds(br, prompt) + output * predictor.TpotSeconds(br, mid));
                break;
            }
            default:
                return Skip($"metric '{m.Metric}' not modelled");
        }
        return new ValidationResult(m, predicted, "", profile.Name);
    }

    private CompiledDeployment? Compile(string model, Deployment dep)
    {
        var key = model + "|" + dep;
        if (_compiled.TryGetValue(key, out var c)) return c;
        var module = _models(model);
        c = module is null ? null : CompiledDeployment.Compile(module, dep, GraphDsl.Passes.Core.Pipeline.Empty, new DiagnosticBag());
        _compiled[key] = c;
        return c;
    }

    /// <summary>Mean absolute percentage error of the predicted results.</summary>
    public static double Mape(IEnumerable<ValidationResult> results)
    {
        var errors = results.Where(r => r.Error is not null).Select(r => Math.Abs(r.Error!.Value)).ToList();
        return errors.Count == 0 ? double.NaN : errors.Average();
    }
}
