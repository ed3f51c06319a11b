using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>A prediction of one measurement, or why it cannot be predicted.</summary>
public sealed record ValidationResult(Measurement Measurement, double? Predicted, string Skipped, string Profile)
{
    public double? Error => Predicted is { } p ? (p - Measurement.Value) / Measurement.Value : null;

    /// <summary>The serving simulation's figure beside the prediction (<see cref="ServedCheck"/>); null for rows it does not
    /// cover or when the validator was given no simulation.</summary>
    public ServedFigure? Served { get; init; }

    /// <summary>The validator's own steady-state formula for a closed-loop row (<see cref="ServedCheck.ScoredByServe"/>) whose
    /// <see cref="Predicted"/> is the served figure; null for every other row, whose prediction is the analytic one.</summary>
    public double? Analytic { get; init; }

    /// <summary>The analytic prediction's signed error: <see cref="Analytic"/>'s where the row is scored by serve, else
    /// <see cref="Error"/>.</summary>
    public double? AnalyticError => (Analytic ?? Predicted) is { } p ? (p - Measurement.Value) / Measurement.Value : null;
}

/// <summary>
/// Predicts each measurement as the cost model would be asked: same model, GPUs, layout, formats, batch
/// and lengths. Decode metrics are taken at the average context of the generation (prompt + output/2);
/// end-to-end throughput of a fixed batch is batch x output / (TTFT + output x TPOT); runs whose batch the
/// engine chose are predicted at the largest batch its KV cache admits (<see cref="EfficiencyProfile.Admission"/>; capped
/// at <see cref="EngineBatchCap"/> per replica).
/// </summary>
public sealed class Validator
{
    /// <summary>Largest batch per replica assumed for max-throughput runs: trtllm-bench, which ran every such point,
    /// caps the batch it configures at 4,096 requests (<c>min(kv_cache_max_requests, 4096)</c> in
    /// tensorrt_llm/bench/build/tuning.py); below that the KV cache limits it.</summary>
    public const long EngineBatchCap = 4096;

    private readonly Func<string, Module?> _models;
    private readonly HardwareCatalog _catalog;
    private readonly Dictionary<string, (CompiledDeployment? Compiled, string Why)> _compiled = new();

    private readonly Func<string, Module?> _mtpParts;
    private readonly ServeMeasurement? _serve;

    /// <summary><paramref name="models"/> gives a measurement's model by name; <paramref name="mtpParts"/> its
    /// multi-token-prediction part (null when it declares none), for rows that decode with <c>mtp:K</c>;
    /// <paramref name="serve"/>, when given, simulates the serving rows (<see cref="ServedCheck.RegimeOf"/>): a closed loop's
    /// served figure is its prediction (<see cref="ServedCheck.ScoredByServe"/>), a max-throughput run's stands beside the
    /// analytic one. Without it every row is predicted analytically.</summary>
    public Validator(Func<string, Module?> models, HardwareCatalog catalog, Func<string, Module?>? mtpParts = null, ServeMeasurement? serve = null)
    {
        _models = models; _catalog = catalog; _mtpParts = mtpParts ?? (_ => null); _serve = serve;
    }

    private readonly Dictionary<string, bool> _moe = new();

    /// <summary>The regimes <paramref name="m"/> is reported in (<see cref="Validation.Regimes"/>).</summary>
    public HashSet<string> RegimesOf(Measurement m)
    {
        if (!_moe.TryGetValue(m.Model, out var moe))
            _moe[m.Model] = moe = _models(m.Model)?.WalkAll().Any(o => o.Def.HasRoutedWeights) ?? false;
        return Regimes.Of(m, moe, _catalog.Find(m.Hardware)?.Vendor);
    }

    /// <summary>The row's analytic prediction, and its served figure where a simulation was given and covers the row.</summary>
    public ValidationResult Predict(Measurement m, EfficiencyProfile profile)
    {
        // A row run without CUDA graphs is priced so (its cuda_graphs column), whichever profile is asked for.
        if (!m.CudaGraphs) profile = profile with { CudaGraphs = false };
        var result = Analytic(m, profile, out var priced);
        if (_serve is null || priced is not { } d || ServedCheck.RegimeOf(m) is not { } regime) return result;
        var served = _serve(new ServingQuestion(m, regime, d.Predictor, d.Cluster, profile));
        // A closed loop is scored by what a user asking about that workload runs, serve; the analytic formula stays beside.
        return ServedCheck.ScoredByServe(regime) && served.Value is { } v && result.Predicted is not null
            ? result with { Predicted = v, Analytic = result.Predicted, Served = served }
            : result with { Served = served };
    }

    /// <summary>The analytic prediction; <paramref name="priced"/> is the deployment's predictor and cluster once they are built.</summary>
    private ValidationResult Analytic(Measurement m, EfficiencyProfile profile, out (Predictor Predictor, Cluster Cluster)? priced)
    {
        priced = null;
        ValidationResult Skip(string why) => new(m, null, why, profile.Label);
        if (m.Prompt is null || m.Output is null && m.Metric is not ("ttft_ms" or "prefill_tokens_per_s")) return Skip("prompt/output lengths not published");
        Speculation? speculation = null;
        if (m.Speculative.Length > 0)
        {
            if (m.Acceptance is not { } acceptance) return Skip("speculative decoding's acceptance not published");
            speculation = Speculation.Parse(m.Speculative, acceptance, out var problem);
            if (speculation is null) return Skip("speculative decoding: " + problem);
        }
        if (m.Batch is null && m.Metric != "output_tokens_per_s") return Skip("batch chosen by the engine and not published");
        var device = _catalog.Find(m.Hardware);
        if (device is null) return Skip($"no device '{m.Hardware}'");
        int dp = m.Dp ?? 1, pp = m.Pp ?? 1;
        int tp = m.Tp ?? Math.Max(1, m.Gpus / (dp * pp));
        if (tp * dp * pp != m.Gpus) return Skip($"layout tp {tp} x dp {dp} x pp {pp} does not cover {m.Gpus} GPUs");
        var layout = new ParallelLayout(tp, m.Ep ?? 1, dp, pp) { MoeComm = ParallelLayout.ParseMoeComm(profile.MoeComm), Redundant = m.Redundant };
        var dep = new Deployment(layout, NumericFormat.FromPublished(m.Weights), NumericFormat.FromPublished(m.Kv));
        if (m.Nanobatches > 1 && m.Batch is { } sequences && sequences / dp < m.Nanobatches) return Skip($"overlap of {sequences / dp} sequences per replica in {m.Nanobatches} nano-batches not modelled");
        if (_models(m.Model) is not { } module) return Skip($"no spec for model '{m.Model}' among the samples");
        var compiled = Compile(m.Model, module, dep, m.Unquantized, m.Nanobatches, out var why);
        if (compiled is null) return Skip($"cannot compile {m.Model} for {dep}{why}");
        var cluster = new Cluster(device, m.Nodes, m.Gpus / m.Nodes);
        var predictor = new Predictor(compiled, cluster, profile);
        priced = (predictor, cluster);
        long prompt = m.Prompt!.Value, output = m.Output ?? 0;
        // A row no deployment of it could run (one sequence's prompt and output beyond the memory left for the KV cache)
        // gets no prediction: timing it would be a confident answer to an impossible run.
        if (predictor.Memory(1, prompt + output, prompt).MaxBatchPerReplica < 1)
            return Skip($"one sequence of {prompt + output} tokens does not fit the deployment's KV cache");
        double mid = prompt + output / 2.0;
        double? predicted;
        if (m.Scenario == "concurrency") return Serving(m, predictor, dp, prompt, output, mid, profile);
        if (speculation is not null)
        {
            var drafter = speculation.Kind == "mtp" ? _mtpParts(m.Model) : null;
            if (drafter is null) return Skip(speculation.Kind == "mtp" ? $"{m.Model} declares no multi-token-prediction module" : "draft models are not in the measurements");
            var compiledDrafter = Compile(m.Model + "#mtp", drafter, speculation.DrafterDeployment(dep), m.Unquantized, 1, out why);
            if (compiledDrafter is null) return Skip($"cannot compile the MTP module of {m.Model} for {dep}{why}");
            return Speculative(m, predictor, dp, prompt, output, mid, profile, speculation with { DraftModel = compiledDrafter });
        }
        switch (m.Metric)
        {
            case "ttft_ms":
                // Published TTFTs of static batches (TensorRT-LLM v0.5's tables) are the whole batch's prefill: no
                // request gets its first token before every prompt of the batch is prefilled.
                predicted = predictor.BatchPrefillSeconds((double)m.Batch!.Value / dp, prompt) * 1e3;
                break;
            case "prefill_tokens_per_s":
                // A prefill unit's prompt tokens per second: the batch's prompts in one prefill step per replica.
                predicted = (double)m.Batch!.Value * prompt / predictor.BatchPrefillSeconds((double)m.Batch.Value / dp, prompt);
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
                // An engine runs no more sequences than its KV cache holds under its admission (profiles.json admission): at
                // their mean length when blocks come on demand, at their full length when each is reserved on admission; the
                // rest queue.
                long fit = predictor.Memory(1, profile.Admission.TokensPerSequence((long)mid, prompt, output), prompt).MaxBatchPerReplica;
                double br;
                if (m.Batch is { } b) br = Math.Min((double)b / dp, fit);
                else
                {
                    br = Math.Min(fit, EngineBatchCap);
                    if (br < 1) return Skip("nothing fits");
                }
                predicted = br * dp * output / (predictor.BatchPrefillSeconds(br, prompt) + output * predictor.TpotSeconds(br, mid));
                break;
            }
            default:
                return Skip($"metric '{m.Metric}' not modelled");
        }
        return new ValidationResult(m, predicted, "", profile.Label);
    }

    /// <summary>
    /// Closed-loop serving at a concurrency C (benchmark_serving's --max-concurrency): each client sends its next request
    /// when the last completes, so in steady state about C requests decode together, and while one request decodes its O
    /// tokens each of the other C - 1 clients starts one new request, whose prefill (run as its own step, or as the bulk of a
    /// chunked step) stalls the decodes. Per request: TTFT = one prompt's prefill + half a decode step (it waits for the
    /// step in flight); TPOT = the decode step at C sequences + (C - 1) prefills spread over its O - 1 later tokens;
    /// latency = TTFT + (O - 1) TPOT; output throughput = C O / latency. With data-parallel attention over MoE layers every
    /// replica waits for the others at each MoE layer, so a prefill on any replica stalls all of them.
    /// </summary>
    private static ValidationResult Serving(Measurement m, Predictor predictor, int dp, long prompt, long output, double mid, EfficiencyProfile profile)
    {
        if (m.Batch is not { } c || c < 1) return new ValidationResult(m, null, "concurrency not published", profile.Label);
        double perReplica = (double)c / dp;
        double step = predictor.TpotSeconds(perReplica, mid);
        double prefill = predictor.BatchPrefillSeconds(1, prompt);
        bool synchronized = dp > 1 && predictor.Compiled.DecodePlan.Entries.Any(e => e.IsMoe);
        double stalls = Math.Max(0, (synchronized ? c : perReplica) - 1);
        double ttft = prefill + step / 2;
        double tpot = step + (output > 1 ? stalls * prefill / (output - 1) : 0);
        double latency = ttft + Math.Max(0, output - 1) * tpot;
        double? predicted = m.Metric switch
        {
            "ttft_ms" => ttft * 1e3,
            "tpot_ms" => tpot * 1e3,
            "request_latency_ms" => latency * 1e3,
            "output_tokens_per_s" => c * output / latency,
            "decode_tokens_per_s" => c / tpot,
            _ => null,
        };
        return predicted is null
            ? new ValidationResult(m, null, $"metric '{m.Metric}' not modelled", profile.Label)
            : new ValidationResult(m, predicted, "", profile.Label);
    }

    /// <summary>A fixed batch decoding speculatively: each step (K drafts and a verify over K + 1 positions) yields the
    /// acceptance's tokens per sequence, so O output tokens take O / A steps after the prefill.</summary>
    private static ValidationResult Speculative(Measurement m, Predictor predictor, int dp, long prompt, long output, double mid, EfficiencyProfile profile,
        Speculation s)
    {
        if (m.Batch is not { } b) return new ValidationResult(m, null, "batch not published", profile.Label);
        double perReplica = (double)b / dp;
        double step;
        try { step = predictor.SpeculativeStepSeconds(perReplica, mid, s); }
        catch (ArgumentException e) { return new ValidationResult(m, null, "speculative decoding not modelled for this model: " + e.Message, profile.Label); }
        double? predicted = m.Metric switch
        {
            "output_tokens_per_s" => b * output / (predictor.BatchPrefillSeconds(perReplica, prompt) + output / s.Acceptance * step),
            "decode_tokens_per_s" => b * s.Acceptance / step,
            "tpot_ms" => step / s.Acceptance * 1e3,
            _ => null,
        };
        return predicted is null
            ? new ValidationResult(m, null, $"metric '{m.Metric}' not modelled", profile.Label)
            : new ValidationResult(m, predicted, "", profile.Label);
    }

    /// <summary>Compiles for a deployment; <paramref name="unquantized"/> (the row's weights kept in 16-bit) becomes the
    /// quantize pass's skip, composed with the deployment's formats, and <paramref name="nanobatches"/> above 1 (the row's
    /// two-batch overlap) appends <c>overlap{nanobatches=N}</c>, which the deployment pipeline runs after parallelize and
    /// fuse. <paramref name="why"/> is ": " and the first error when it does not compile, so a row's skip reason says what
    /// failed.</summary>
    private CompiledDeployment? Compile(string key, Module? module, Deployment dep, string unquantized, int nanobatches, out string why)
    {
        key += "|" + dep + "|" + unquantized + "|" + nanobatches;
        if (!_compiled.TryGetValue(key, out var c))
        {
            var elements = new List<GraphDsl.Passes.Core.PipelineElement>();
            if (unquantized.Length > 0) elements.Add(GraphDsl.Passes.Core.PipelineElement.Create("quantize", ("skip", unquantized)));
            if (nanobatches > 1)
                elements.Add(GraphDsl.Passes.Core.PipelineElement.Create("overlap", ("nanobatches", nanobatches.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            var diagnostics = new DiagnosticBag();
            var compiled = module is null ? null : CompiledDeployment.Compile(module, dep, new GraphDsl.Passes.Core.Pipeline(elements), diagnostics);
            var error = diagnostics.Items.FirstOrDefault(d => d.Severity == Severity.Error);
            _compiled[key] = c = (compiled, compiled is null && error is not null ? ": " + error.Message : "");
        }
        why = c.Why;
        return c.Compiled;
    }

    /// <summary>Mean absolute percentage error of the predicted results.</summary>
    public static double Mape(IEnumerable<ValidationResult> results)
    {
        var errors = results.Where(r => r.Error is not null).Select(r => Math.Abs(r.Error!.Value)).ToList();
        return errors.Count == 0 ? double.NaN : errors.Average();
    }
}
