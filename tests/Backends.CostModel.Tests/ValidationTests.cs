using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Ir.Types;
using GraphDsl.TestSupport;
using Xunit.Abstractions;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// Predicts every published measurement in Data/measurements.csv with its engine's profile and reports
/// the error of each and the MAPE, calibration (C) and checking (V) points apart. The bounds asserted
/// are what the model achieves today (docs/cost-model.md discusses them); the aim for checking points
/// is 15%.
/// </summary>
public class ValidationTests
{
    private readonly ITestOutputHelper _out;
    public ValidationTests(ITestOutputHelper output) { _out = output; }

    private static readonly string DataPath = Path.Combine(AppContext.BaseDirectory, "Data", "measurements.csv");

    private static Validator NewValidator() => new(Models.Sample, Models.Catalog, Models.MtpPart);

    /// <summary>A validator that also serves the serving rows with serve's simulation (as <c>graphdsl validate</c> does);
    /// <paramref name="served"/> adds up the time the simulations take.</summary>
    private static Validator ServingValidator(System.Diagnostics.Stopwatch? served = null) => new(Models.Sample, Models.Catalog, Models.MtpPart, q =>
    {
        served?.Start();
        try { return GraphDsl.Backends.Serving.Validation.MeasurementServing.Serve(q); }
        finally { served?.Stop(); }
    });

    private static EfficiencyProfile ProfileFor(Measurement m) => EfficiencyProfile.ForEngine(m.EngineFamily, Models.Catalog.Find(m.Hardware));

    [Fact]
    public void Dataset_has_enough_sourced_points()
    {
        var rows = Measurement.Load(DataPath);
        Assert.True(rows.Count >= 15);
        Assert.True(rows.Select(r => r.Source.Split('/').Take(5).Aggregate((a, b) => a + "/" + b)).Distinct().Count() >= 4);
        Assert.All(rows, r => Assert.StartsWith("http", r.Source));
        Assert.All(rows, r => Assert.Contains(r.Use, new[] { "C", "V" }));
    }

    [Fact]
    public void Predictions_of_published_measurements()
    {
        var rows = Measurement.Load(DataPath);
        var servedTime = new System.Diagnostics.Stopwatch();
        var validator = ServingValidator(servedTime);
        var results = rows.Select(m => validator.Predict(m, ProfileFor(m))).ToList();
        _out.WriteLine($"serve's simulations of {results.Count(r => r.Served is not null)} rows: {servedTime.Elapsed.TotalSeconds:F1} s");
        foreach (var r in results)
            _out.WriteLine($"{r.Measurement.Id} {r.Measurement.Metric} measured {r.Measurement.Value} predicted {r.Predicted?.ToString("F1") ?? "-"} {r.Error * 100:F1}% {r.Skipped}");
        var calibration = results.Where(r => r.Measurement.IsCalibration).ToList();
        var checking = results.Where(r => !r.Measurement.IsCalibration).ToList();
        // Every calibration point is predicted; checking points only lack published lengths or use unmodelled features.
        Assert.All(calibration, r => Assert.True(r.Predicted is not null, r.Measurement.Id + ": " + r.Skipped));
        Assert.All(checking.Where(r => r.Predicted is null), r => Assert.Matches("not published|not modelled", r.Skipped));
        double mapeC = Validator.Mape(calibration), mapeV = Validator.Mape(checking);
        _out.WriteLine($"MAPE calibration {mapeC:P1} (n={calibration.Count(r => r.Error is not null)}), checking {mapeV:P1} (n={checking.Count(r => r.Error is not null)})");
        // The issue-14 aims are 12% overall and 15% per metric on the checking points, none off by more than 1.5x. The bounds
        // below are what the model achieves today (docs/cost-model.md, "Validation", discusses each regime's misses): they
        // guard against a change that makes it worse unnoticed, not a claim that it is good enough.
        // The calibration points the profiles are fitted on (the others, e.g. SGLang's, isolate mechanisms not yet priced).
        Assert.InRange(Validator.Mape(calibration.Where(r => FittedFamilies.Contains(r.Measurement.EngineFamily)).ToList()), 0, 0.10);
        Assert.InRange(Validator.Mape(checking.Where(r => validator.RegimesOf(r.Measurement).Contains(Regimes.DenseHighThroughput)).ToList()), 0, Guard.DenseHighThroughput);
        Assert.InRange(mapeV, 0, Guard.Checking);
        double MapeOf(string metric) => Validator.Mape(checking.Where(r => r.Measurement.Metric == metric).ToList());
        Assert.InRange(MapeOf("ttft_ms"), 0, Guard.Ttft);
        Assert.InRange(MapeOf("tpot_ms"), 0, Guard.Tpot);
        Assert.InRange(MapeOf("output_tokens_per_s"), 0, Guard.OutputTokens);
        Snapshot.Verify(Report(results, validator), extension: "md");
    }

    /// <summary>A row's <c>unquantized</c> column reaches the quantize pass as its skip: TB01 (DeepSeek-R1 on 8 B200s at
    /// batch 1, NVFP4 experts with BF16 attention as the source's precision table says) is predicted differently with its
    /// attention in BF16 than with every weight in NVFP4, and the column is read as written. At one row an NVFP4 Linear is
    /// slower than a BF16 one of DeepSeek's attention widths (AIConfigurator's B200 tables: 6.1 us + 1.65 ns per K element
    /// against 2.2 us + 0.34 ns and the BF16 bytes; docs/cost-model.md, "Small-M GEMMs"), so BF16 attention is the faster.</summary>
    [Fact]
    public void The_unquantized_column_keeps_the_named_weights_in_16_bit()
    {
        var tb01 = Measurement.Load(DataPath).Single(m => m.Id == "TB01");
        Assert.Equal("lm_head,router,self_attn", tb01.Unquantized);
        var validator = NewValidator();
        var withBf16Attention = validator.Predict(tb01, ProfileFor(tb01)).Predicted!.Value;
        var allFp4 = validator.Predict(tb01 with { Unquantized = "" }, ProfileFor(tb01)).Predicted!.Value;
        // Attention weights are about 11 of DeepSeek-V3's 37 billion active parameters: at batch 1 their BF16 bytes stream
        // faster than NVFP4's serial walk over K of the same GEMMs (tokens per second rise by 5-25%).
        Assert.InRange(withBf16Attention / allFp4, 1.05, 1.25);
    }

    /// <summary>The <c>cuda_graphs</c> column: "off" only on the TensorRT-LLM 0.17 PyTorch-backend rows (PyTorchConfig's
    /// use_cuda_graph defaulted to False), empty (on) elsewhere, SGLang's DP-attention rows included; an off row is priced
    /// eagerly whichever profile is asked for.</summary>
    [Fact]
    public void The_cuda_graphs_column_marks_the_eager_rows()
    {
        var rows = Measurement.Load(DataPath);
        Assert.Equal(new[] { "DS13", "DS14", "DS15" }, rows.Where(m => !m.CudaGraphs).Select(m => m.Id).ToArray());
        Assert.True(rows.Single(m => m.Id == "DS07").CudaGraphs);
        var ds13 = rows.Single(m => m.Id == "DS13");
        var result = NewValidator().Predict(ds13, ProfileFor(ds13));
        Assert.Equal("trtllm (CUDA graphs off)", result.Profile);
    }

    [Fact]
    public void A_cuda_graphs_value_other_than_on_or_off_is_a_located_error()
    {
        var header = string.Join(",", Measurement.Columns) + ",cuda_graphs";
        var row = "X01,tiny-dense,h100-sxm,1,1,1,1,1,1,bf16,,1,16,16,tpot_ms,1,ms,vLLM,V,src," + new string(',', header.Split(',').Length - 21) + "eager";
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        Measurement.Parse("m.csv", header + "\n" + row + "\n", diagnostics);
        var d = Assert.Single(diagnostics.Items);
        Assert.Contains("'eager' is not one of on, off", d.ToString());
        Assert.StartsWith("m.csv:2:", d.ToString());
    }

    /// <summary>The <c>overlap</c> column: nanobatch:2 exactly on the rows whose source states that the run overlapped two
    /// micro-batches: LE01-LE05 (SGLang's large-scale EP blog, whose reproduction commands pass --enable-two-batch-overlap
    /// to prefill and decode) and DP01 (DeepSeek's inference system, "dual-batch overlap"). SGLang's July MTP rows
    /// (SM01-SM04) ran without it (their "overlap scheduling" is the CPU scheduler's), and TensorRT-LLM's DeepSeek commands
    /// (DB*, TR*) do not enable it.</summary>
    [Fact]
    public void The_overlap_column_marks_the_two_batch_overlap_rows()
    {
        var rows = Measurement.Load(DataPath);
        Assert.Equal(new[] { "DP01", "LE01", "LE02", "LE03", "LE04", "LE05" }, rows.Where(m => m.Nanobatches > 1).Select(m => m.Id).ToArray());
        Assert.All(rows.Where(m => m.Nanobatches > 1), m => Assert.Equal(2, m.Nanobatches));
    }

    [Theory]
    [InlineData("tbo")]
    [InlineData("nanobatch:1")]
    [InlineData("nanobatch:65")]
    [InlineData("nanobatch:+2")]
    [InlineData("nanobatch:2x")]
    public void An_overlap_value_other_than_nanobatch_N_is_a_located_error(string value) =>
        AssertOptionalFieldError("overlap", value, $"'{value}' is not nanobatch:N with N from 2 to 64");

    /// <summary>A row whose one sequence cannot fit the deployment's memory (DS10's 8 H200s with a billion-token prompt) is
    /// not predicted and says why, where it used to get a TTFT of hundreds of millions of seconds.</summary>
    [Fact]
    public void A_row_whose_sequence_cannot_fit_is_not_predicted()
    {
        var ds10 = Measurement.Load(DataPath).Single(m => m.Id == "DS10") with { Prompt = 1_000_000_000, Metric = "ttft_ms" };
        var r = NewValidator().Predict(ds10, ProfileFor(ds10));
        Assert.Null(r.Predicted);
        Assert.Equal("one sequence of 1000000800 tokens does not fit the deployment's KV cache", r.Skipped);
    }

    /// <summary>The <c>prompt_range</c> and <c>output_range</c> columns: IX01-IX10 ran InferenceX's client, which draws each
    /// prompt and output length uniformly from [int(0.8 x 1024), 1024] = [819, 1024] (the rows record the mean, 922); every
    /// other row ran fixed lengths.</summary>
    [Fact]
    public void The_range_columns_mark_the_runs_of_drawn_lengths()
    {
        var rows = Measurement.Load(DataPath);
        var ranged = rows.Where(m => m.PromptRange is not null || m.OutputRange is not null).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"IX{i:D2}"), ranged.Select(m => m.Id));
        Assert.All(ranged, m => Assert.Equal(((819L, 1024L), (819L, 1024L)), (m.PromptRange!.Value, m.OutputRange!.Value)));
    }

    [Theory]
    [InlineData("819", "'819' is not LO-HI with 1 <= LO <= HI <= 2147483648")]
    [InlineData("1024-819", "'1024-819' is not LO-HI with 1 <= LO <= HI <= 2147483648")]
    [InlineData("0-10", "'0-10' is not LO-HI with 1 <= LO <= HI <= 2147483648")]
    [InlineData("-5-10", "'-5-10' is not LO-HI with 1 <= LO <= HI <= 2147483648")]
    [InlineData("100-200", "'100-200' has mean 150, not the row's prompt 16 (a row records its mean length)")]
    public void A_length_range_that_is_not_LO_HI_around_the_row_mean_is_a_located_error(string value, string problem) =>
        AssertOptionalFieldError("prompt_range", value, problem);

    /// <summary>A row whose one optional <paramref name="column"/> holds <paramref name="value"/> is refused with GD0610 at
    /// that field, saying <paramref name="problem"/>.</summary>
    private static void AssertOptionalFieldError(string column, string value, string problem)
    {
        var header = string.Join(",", Measurement.Columns) + "," + column;
        var row = "X01,tiny-dense,h100-sxm,1,1,1,1,1,1,bf16,,2,16,16,tpot_ms,1,ms,SGLang,V,src,," + value;
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        Assert.Empty(Measurement.Parse("m.csv", header + "\n" + row + "\n", diagnostics));
        var d = Assert.Single(diagnostics.Items);
        Assert.Equal($"m.csv:2:{row.Length - value.Length + 1}: error GD0610: row 1 (X01): {column} {problem}", d.ToString());
    }

    /// <summary>A closed loop of drawn lengths (IX04: 80 requests at concurrency 8, lengths on [819, 1024]) is served at the
    /// published count, since drawn lengths spread the clients out over the run; the same row with fixed lengths moves in
    /// lockstep and serves four rounds of 8. Without a published count a drawn-length loop is not served and says why.</summary>
    [Fact]
    public void A_closed_loop_of_drawn_lengths_serves_the_published_request_count()
    {
        var ix04 = Measurement.Load(DataPath).Single(m => m.Id == "IX04");
        var validator = ServingValidator();
        Assert.Equal(80, validator.Predict(ix04, ProfileFor(ix04)).Served!.Requests);
        Assert.Equal(32, validator.Predict(ix04 with { PromptRange = null, OutputRange = null }, ProfileFor(ix04)).Served!.Requests);
        var uncounted = validator.Predict(ix04 with { Requests = null }, ProfileFor(ix04));
        Assert.Equal("a closed loop of drawn lengths needs the published request count (column requests)", uncounted.Served!.Skipped);
        Assert.Null(uncounted.Analytic); // not served, so scored by the analytic formula
    }

    /// <summary>The <c>requests</c> column holds the request count a source publishes (bench_serving's --num-prompts,
    /// trtllm-bench's --num_requests, the perf-overview's "N requests of fixed ISL/OSL"), and nothing where it does not say
    /// (LE04's 128 is a unit conversion, not a count; IX01's 640 is its harness's --num-prompts of 10 x the concurrency).</summary>
    [Fact]
    public void The_requests_column_is_the_published_request_count()
    {
        var rows = Measurement.Load(DataPath).ToDictionary(m => m.Id);
        Assert.Equal(500, rows["DS01"].Requests);
        Assert.Equal(80, rows["IX03"].Requests);
        Assert.Equal(30000, rows["PO02"].Requests);
        Assert.Equal(114688, rows["TR02"].Requests);
        Assert.Equal(640, rows["IX01"].Requests); // the harness's --num-prompts $(( $CONC * 10 )) at concurrency 64
        Assert.Null(rows["LE04"].Requests);
        Assert.Null(rows["GF01"].Requests);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("12.5")]
    [InlineData("many")]
    public void A_request_count_that_is_not_a_positive_integer_is_a_located_error(string value) =>
        AssertOptionalFieldError("requests", value, $"'{value}' is not an integer from 1 to {GraphDsl.Backends.CostModel.Inputs.Workload.MaxTokens}");

    /// <summary>A row marked nanobatch:2 is priced after overlap{nanobatches=2}: LE04 (SGLang prefill on 32 H100s, EP32) is
    /// the prefill of the same deployment compiled with that pass, on the two-stream schedule, so its step lies below the
    /// serial sum of its ops and at or above the busier of its compute and communication streams; without the column the
    /// row is the serial prefill.</summary>
    [Fact]
    public void A_two_batch_overlap_row_is_priced_with_the_overlap_pass()
    {
        var le04 = Measurement.Load(DataPath).Single(m => m.Id == "LE04");
        var profile = ProfileFor(le04);
        var validator = NewValidator();
        double overlapped = validator.Predict(le04, profile).Predicted!.Value;
        double serial = validator.Predict(le04 with { Nanobatches = 1 }, profile).Predicted!.Value;

        var layout = new GraphDsl.Passes.Parallelize.ParallelLayout(1, 32, 32, 1)
            { MoeComm = GraphDsl.Passes.Parallelize.ParallelLayout.ParseMoeComm(profile.MoeComm), Redundant = 32 };
        var deployment = new Deployment(layout, NumericFormat.FromPublished(le04.Weights), NumericFormat.FromPublished(le04.Kv));
        var p = Models.Predictor("deepseek-v3", "h100-sxm", deployment, profile, nodes: 4, passes: "overlap{nanobatches=2}");
        var plan = p.Compiled.PrefillPlan;
        Assert.Equal(2, plan.Nanobatches);
        var timings = new GraphDsl.Backends.CostModel.Evaluate.OpTiming[plan.Entries.Length];
        var cluster = new GraphDsl.Backends.CostModel.Hardware.Cluster(Models.Catalog.Find("h100-sxm")!, 4, 8);
        var step = new GraphDsl.Backends.CostModel.Evaluate.StepEvaluator(plan, cluster, profile).Evaluate(128 / 32, 4096, 4096, timings);
        double tokens = 128 * 4096;
        Assert.Equal(tokens / step.Seconds, overlapped, 1e-9 * overlapped);
        double compute = 0, comm = 0;
        for (int i = 0; i < plan.Entries.Length; i++)
        {
            double t = timings[i].Seconds * plan.Entries[i].Multiplicity;
            if (plan.Entries[i].Collective != GraphDsl.Backends.CostModel.Plan.CollectiveKind.None) comm += t; else compute += t;
        }
        double overhead = step.SerialSeconds - compute - comm;
        Assert.True(step.Seconds < step.SerialSeconds, $"step {step.Seconds} s is not below the serial sum {step.SerialSeconds} s");
        Assert.True(step.Seconds - overhead >= Math.Max(compute, comm), $"step {step.Seconds} s is below the busier stream ({compute} s compute, {comm} s comm)");
        Assert.True(overlapped > serial, $"overlapped {overlapped} tokens/s is not above the serial {serial}");
    }

    /// <summary>The engines whose profiles `graphdsl calibrate` fits on their calibration points.</summary>
    private static readonly string[] FittedFamilies = { "gpt-fast", "trtllm", "fastertransformer", "vllm" };

    [Fact]
    public void Calibration_never_uses_a_single_point()
    {
        foreach (var fam in FittedFamilies)
        {
            var rows = Measurement.Load(DataPath).Where(m => m.IsCalibration && m.EngineFamily == fam).ToList();
            Assert.True(rows.Count >= 4, fam);
            Assert.Throws<ArgumentException>(() => Calibrator.Fit(NewValidator(), rows.Take(1).ToList(), EfficiencyProfile.Find("default")!, new[] { "eta_hbm" }));
        }
    }

    private static string Report(System.Collections.Generic.IReadOnlyList<ValidationResult> results, Validator validator)
    {
        var sb = new System.Text.StringBuilder("| id | use | model | hardware | GPUs | batch | in/out | metric | measured | predicted | error | serve |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            var m = r.Measurement;
            sb.Append(FormattableString.Invariant($"| {m.Id} | {m.Use} | {m.Model} | {m.Hardware} | {m.Gpus} | {m.Batch?.ToString() ?? "engine"} | {m.Prompt?.ToString() ?? "?"}/{m.Output?.ToString() ?? "?"} | {m.Metric} | {m.Value:G5} | {(r.Predicted is { } p ? p.ToString("G5") : "-")} | {(r.Error is { } e ? (e * 100).ToString("F1") + "%" : r.Skipped)} | {Served(r)} |\n"));
        }
        foreach (var use in new[] { "C", "V" })
            foreach (var metric in results.Select(x => x.Measurement.Metric).Distinct().OrderBy(x => x))
            {
                var sel = results.Where(x => x.Measurement.Use == use && x.Measurement.Metric == metric && x.Error is not null).ToList();
                if (sel.Count > 0) sb.Append(FormattableString.Invariant($"\n{(use == "C" ? "calibration" : "checking")} {metric}: n={sel.Count}, MAPE {Validator.Mape(sel) * 100:F1}%"));
            }
        var checking = results.Where(x => !x.Measurement.IsCalibration && x.Error is not null).ToList();
        var lines = Regimes.Summary(checking, validator.RegimesOf, "checking").ToList();
        sb.Append("\n\n").Append(lines[0]).Append('\n');
        foreach (var line in lines.Skip(1)) sb.Append('\n').Append(line);
        sb.Append("\n\n");
        foreach (var line in ServedCheck.Summary(results)) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>The served figure, its error and the scheduler ("14534 (-4.5%) chunked{...}"), why it is missing, or "-".</summary>
    private static string Served(ValidationResult r) => r.Served switch
    {
        null => "-",
        // A row scored by serve shows the analytic formula's figure here, its prediction being the served one.
        { Value: { } } when r.Analytic is { } a => FormattableString.Invariant($"analytic {a:G5} ({r.AnalyticError!.Value * 100:F1}%) {r.Served.Scheduler} x{r.Served.Requests}"),
        { Value: { } v } => FormattableString.Invariant($"{v:G5} ({ServedCheck.ServedError(r)!.Value * 100:F1}%) {r.Served.Scheduler} x{r.Served.Requests}"),
        { Skipped: var why } => why,
    };

    /// <summary>serve's figure exists for every closed-loop row and every max-throughput row whose batch the engine chose and
    /// whose lengths are published (180 rows today: 25 closed loops, 155 max-throughput runs), and never changes the analytic
    /// prediction beside it. The exceptions are the 14 perf-overview rows at 20000/2000 (1,000 requests of 22,000 tokens,
    /// beyond the tokens one row may simulate): they say so, and keep their analytic prediction.</summary>
    [Fact]
    public void Serving_rows_have_a_served_figure_beside_the_prediction()
    {
        var rows = Measurement.Load(DataPath);
        var expected = rows.Where(m => m.Prompt is not null && m.Output is not null && m.Speculative.Length == 0
            && (m.Scenario == "concurrency" || m.Batch is null && m.Metric == "output_tokens_per_s")).ToList();
        Assert.Equal(180, expected.Count);
        Assert.Equal(25, expected.Count(m => m.Scenario == "concurrency"));
        // At the 1,000 requests or more these runs publish, longer requests exceed what one row may simulate.
        const long longest = GraphDsl.Backends.Serving.Validation.MeasurementServing.MaxServedTokens
            / GraphDsl.Backends.Serving.Validation.MeasurementServing.DefaultOfflineRequests;
        var tooLarge = expected.Where(m => m.Prompt + m.Output > longest).ToList();
        Assert.Equal(14, tooLarge.Count);
        Assert.All(tooLarge, m => Assert.Equal((20_000L, 2_000L), (m.Prompt!.Value, m.Output!.Value)));
        var served = ServingValidator();
        var plain = NewValidator();
        foreach (var m in rows)
        {
            var r = served.Predict(m, ProfileFor(m));
            if (expected.Contains(m))
            {
                if (tooLarge.Contains(m))
                {
                    Assert.Null(r.Served!.Value);
                    Assert.Equal("too large to serve here: 1000 requests of 22000 tokens exceed 8,388,608 tokens", r.Served.Skipped);
                }
                else Assert.True(r.Served?.Value is > 0, $"{m.Id}: {r.Served?.Skipped ?? "not served"}");
                var analytic = plain.Predict(m, ProfileFor(m)).Predicted;
                if (m.Scenario == "concurrency")
                {
                    // A closed loop is scored by its served figure; the analytic formula stands beside it.
                    Assert.Equal(r.Served!.Value, r.Predicted);
                    Assert.Equal(analytic, r.Analytic);
                }
                else
                {
                    Assert.Equal(analytic, r.Predicted);
                    Assert.Null(r.Analytic);
                }
            }
            else Assert.Null(r.Served);
        }
    }

    /// <summary>A row too large to simulate quickly (here 16 requests of 530,200 tokens, beyond the 2^23 tokens one row may
    /// simulate, each sequence still within the 8 H200s' KV cache) gets no served figure and says why, and keeps its analytic
    /// prediction: validate stays fast on any dataset. (It used 1,000,000 output tokens, a sequence no cache of the
    /// deployment holds, which is now not predicted at all.)</summary>
    [Fact]
    public void A_serving_row_too_large_to_simulate_says_so()
    {
        var ds10 = Measurement.Load(DataPath).Single(m => m.Id == "DS10") with { Output = 527_000 };
        var r = ServingValidator().Predict(ds10, ProfileFor(ds10));
        Assert.NotNull(r.Predicted);
        Assert.Null(r.Served!.Value);
        Assert.Equal("too large to serve here: 16 requests of 530200 tokens exceed 8,388,608 tokens", r.Served.Skipped);
    }

    /// <summary>A max-throughput run is served at its published request count where its tokens fit the row's budget: PO12
    /// (3,000 requests of 1000/1000) and PO56 (30,000 of 128/128), whose attention-DP engines hold more sequences than 2,000,
    /// so all requests run in one wave whose batch is the count; at 2,000 they served 46% and 62% below the measurement.</summary>
    [Fact]
    public void A_max_throughput_row_is_served_at_its_published_request_count()
    {
        var rows = Measurement.Load(DataPath);
        var validator = ServingValidator();
        foreach (var (id, requests) in new[] { ("PO12", 3000L), ("PO56", 30000L) })
        {
            var m = rows.Single(r => r.Id == id);
            Assert.Equal(requests, validator.Predict(m, ProfileFor(m)).Served!.Requests);
        }
    }

    /// <summary>A closed loop of one client (DS10's deployment: DeepSeek-V3, TP8 on 8 H200s, vLLM 0.7's profile and its
    /// continuous batching): each request runs alone, so serve's mean TTFT and TPOT equal predict's single-request
    /// figures (one prompt's prefill; the decode step at batch 1 and the mean context P + O/2) within 5%.</summary>
    [Fact]
    public void A_closed_loop_of_one_client_serves_predicts_single_request_figures()
    {
        var ds10 = Measurement.Load(DataPath).Single(m => m.Id == "DS10");
        var profile = ProfileFor(ds10);
        var validator = ServingValidator();
        var ttft = validator.Predict(ds10 with { Batch = 1, Metric = "ttft_ms" }, profile).Served!;
        var tpot = validator.Predict(ds10 with { Batch = 1, Metric = "tpot_ms" }, profile).Served!;
        Assert.StartsWith("continuous{", ttft.Scheduler);
        var predictor = Models.Predictor("deepseek-v3", "h200-sxm",
            new Deployment(new GraphDsl.Passes.Parallelize.ParallelLayout(8), NumericFormat.FromPublished("fp8"), NumericFormat.FromPublished("")), profile);
        long prompt = ds10.Prompt!.Value, output = ds10.Output!.Value;
        double predictTtft = predictor.BatchPrefillSeconds(1, prompt) * 1e3, predictTpot = predictor.TpotSeconds(1, prompt + output / 2.0) * 1e3;
        _out.WriteLine($"C=1: serve TTFT {ttft.Value:F2} ms TPOT {tpot.Value:F3} ms; predict {predictTtft:F2} / {predictTpot:F3} ms");
        Assert.InRange(ttft.Value!.Value / predictTtft, 0.95, 1.05);
        Assert.InRange(tpot.Value!.Value / predictTpot, 0.95, 1.05);
    }

    /// <summary>Regression guards at today's errors (see the test above).</summary>
    private static class Guard
    {
        // Checking 0.26 -> 0.23 and OutputTokens 0.19 -> 0.17 at the stop of 2026-12-07 (21.4%, 15.6%), to hold what it gained.
        // Ttft 0.50 -> 0.51 with the attention kernels' law (kernel-level evidence, docs/cost-model.md "Attention kernels"):
        // TensorRT-LLM's context attention takes ~16 us per layer and per-tile time, which lengthens the 128-token prompts
        // already predicted too slow (TL11, HA03); checking TTFT MAPE 48.8% -> 50.0%.
        // Ttft 0.51 -> 0.58 when the set grew by IX04/IX06/IX08/IX10 (closed-loop TTFTs of SGLang 0.5.7 at concurrency 8-64,
        // whose analytic figure, one request's prefill, is 4-5x below what a lockstep closed loop measures; the serving
        // simulation is within -17..+38%): the 12 TTFT rows guarded before keep their 49.9%.
        // Checking 0.23 -> 0.18, Tpot 0.48 -> 0.39, OutputTokens 0.17 -> 0.13, DenseHighThroughput 0.11 -> 0.09 at the stop of
        // 2026-12-07 morning (16.8% n=249, 37.5% n=19, 12.4% n=179, 7.8% n=125), to hold what the host step, the large-cache
        // decode share and the other kernel laws gained on the grown set.
        // Ttft 0.58 -> 0.50 and Tpot 0.39 -> 0.40 when the closed loops were scored by serve (ServedCheck.ScoredByServe: the
        // command a user runs for that workload; predict has no closed-loop mode) with IX01-IX10's drawn lengths: TTFT 57.2% ->
        // 48.7%, TPOT 37.5% -> 39.0% (the served DS TPOTs, without the analytic formula's prefill stalls, are 0.3-10 points
        // further below the early-2025 engines' measurements).
        // Ttft 0.50 -> 0.51 when parallelize reduced a MoE layer with a shared expert once, as engines do (one all-reduce fewer
        // per DeepSeek layer): the early-engine DS and the IX TTFTs, already under-predicted, came out faster still (48.7% -> 50.3%).
        // Checking 0.18 -> 0.17, OutputTokens 0.13 -> 0.12, DenseHighThroughput 0.09 -> 0.08 at the stop of 2026-12-07 midday
        // (16.1%, 11.9%, 7.6%), to hold what the fused MoE's per-copy law and the attention refit gained.
        // Tpot 0.40 -> 0.41 when that single reduction was extended to expert parallelism with dp = 1 and to the gathered
        // attention-DP MoE (vLLM's and TensorRT-LLM's DeepSeek MoE add the shared output before their one all-reduce with
        // EP too): DS13-DS14 (TensorRT-LLM 0.17, TP8 EP4, already 3.5x under) came out faster still, TPOT 39.8% -> 40.0%;
        // OutputTokens 0.12 -> 0.13: the batch-1 B200 rows TB01-TB06 (TP8, moe EP4 x TP2), already over, lost one all-reduce
        // of 58 per step and went +8-13% -> +17-22%, that metric 11.8% -> 12.1%.
        public const double Checking = 0.17, Ttft = 0.51, Tpot = 0.41, OutputTokens = 0.13, DenseHighThroughput = 0.08;
    }
}
