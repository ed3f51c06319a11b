using System.IO;
using System.Linq;
using System.Text.Json;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>predict, sweep, compare and validate: the JSON contract, exit codes and snapshots.</summary>
[Collection(nameof(CliCollection))]
public class CostModelCommandTests
{
    [Theory]
    [InlineData("llama-3-8b", "h100-sxm", "1", "1")]
    [InlineData("deepseek-v3", "h200-sxm", "8", "8")]
    [InlineData("mixtral-8x7b", "a100-sxm-80gb", "2", "2")]
    public void Predict_json(string sample, string hardware, string gpus, string tp)
    {
        var r = CliRunner.Run("predict", $"samples/{sample}.moe", "--hardware", hardware, "--gpus", gpus, "--tp", tp, "--weights", "fp8",
            "--batch", "8", "--prompt", "1024", "--context", "4096", "--tpot-slo-ms", "50", "--output-tokens", "256", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        foreach (var path in new[] { "feasible", "memory.weights_gb", "memory.kv_gb", "memory.activations_gb", "memory.free_gb", "max_batch",
                     "prefill.ttft_ms", "decode.tpot_ms", "decode.tokens_per_s", "ops" })
        {
            var e = root;
            foreach (var part in path.Split('.')) Assert.True(e.TryGetProperty(part, out e), $"missing {path}");
        }
        Assert.True(root.GetProperty("ops").GetArrayLength() > 0);
        Assert.All(root.GetProperty("ops").EnumerateArray(), op => Assert.Contains(op.GetProperty("bound").GetString(), new[] { "compute", "memory", "communication", "launch" }));
        Snapshot.Verify(r.Out, sample, "json");
    }

    /// <summary>predict names the KV admission that sized its largest batch: TensorRT-LLM's no-evict reserves prompt + output
    /// per sequence, vLLM's on-demand blocks take the context; the no-evict batch is the smaller.</summary>
    [Fact]
    public void Predict_names_the_admission_that_sized_the_largest_batch()
    {
        (string Policy, double Tokens, long MaxBatch) Run(string engine)
        {
            var r = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--batch", "8",
                "--prompt", "1024", "--context", "2048", "--output-tokens", "3072", "--engine", engine, "--format", "json");
            Assert.True(r.ExitCode == 0, r.Err);
            using var doc = JsonDocument.Parse(r.Out);
            var admission = doc.RootElement.GetProperty("admission");
            return (admission.GetProperty("policy").GetString()!, admission.GetProperty("tokens_per_sequence").GetDouble(), doc.RootElement.GetProperty("max_batch").GetInt64());
        }
        var trtllm = Run("trtllm");
        var vllm = Run("vllm");
        Assert.Equal(("no_evict", 1024.0 + 3072), (trtllm.Policy, trtllm.Tokens));
        Assert.Equal(("on_demand", 2048.0), (vllm.Policy, vllm.Tokens));
        Assert.True(trtllm.MaxBatch < vllm.MaxBatch, $"no_evict {trtllm.MaxBatch}, on_demand {vllm.MaxBatch}");

        var table = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--batch", "8",
            "--prompt", "1024", "--context", "2048", "--output-tokens", "3072", "--engine", "trtllm");
        Assert.True(table.ExitCode == 0, table.Err);
        Assert.Contains("no_evict: 4096 tokens reserved per sequence", table.Out);
    }

    /// <summary>predict's JSON carries the engine's host work of a step where its profile prices it: TensorRT-LLM on a GB200's
    /// Grace host, 29.4 us per running request (docs/cost-model.md, "Host step"), which a tiny model's step takes; none on an
    /// HGX B200's x86 host, which has no sourced figure.</summary>
    [Fact]
    public void Predict_json_shows_the_engine_host_work_where_the_profile_prices_it()
    {
        JsonElement Decode(string device)
        {
            var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", device, "--batch", "1000", "--prompt", "16",
                "--context", "64", "--engine", "trtllm", "--format", "json");
            Assert.True(r.ExitCode == 0, r.Err);
            return JsonDocument.Parse(r.Out).RootElement.GetProperty("decode").Clone();
        }
        var grace = Decode("gb200");
        Assert.Equal(1000 * 29.4e-3, grace.GetProperty("host_step_ms").GetDouble(), 9);
        Assert.True(grace.GetProperty("step_ms").GetDouble() >= 29.4, grace.ToString());
        Assert.False(Decode("b200").TryGetProperty("host_step_ms", out _));
    }

    /// <summary>An output too long for the batch's KV cache at prompt + output gives no end-to-end throughput and says why,
    /// instead of a confident near-zero figure (2^31 output tokens printed "0.0 tokens/s" beside "fits: yes").</summary>
    [Fact]
    public void Predict_refuses_an_output_throughput_whose_kv_cache_does_not_fit_at_full_length()
    {
        string[] Args(string output, params string[] format) => new[] { "predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "1",
            "--batch", "8", "--prompt", "512", "--context", "1024", "--output-tokens", output }.Concat(format).ToArray();
        var json = CliRunner.Run(Args("2147483647", "--format", "json"));
        Assert.True(json.ExitCode == 0, json.Err);
        using (var doc = JsonDocument.Parse(json.Out))
        {
            Assert.True(doc.RootElement.GetProperty("feasible").GetBoolean());
            var throughput = doc.RootElement.GetProperty("throughput");
            Assert.Equal(JsonValueKind.Null, throughput.GetProperty("output_tokens_per_s").ValueKind);
            Assert.StartsWith("the batch's KV cache at prompt + output (2147484159 tokens per sequence", throughput.GetProperty("output_limit").GetString());
        }
        var table = CliRunner.Run(Args("2147483647"));
        Assert.True(table.ExitCode == 0, table.Err);
        Assert.Contains("does not fit the GPU's memory", table.Out);

        // An output whose full-length cache fits keeps its figure and says nothing more.
        var fits = CliRunner.Run(Args("512", "--format", "json"));
        using var ok = JsonDocument.Parse(fits.Out);
        Assert.True(ok.RootElement.GetProperty("throughput").GetProperty("output_tokens_per_s").GetDouble() > 0);
        Assert.False(ok.RootElement.GetProperty("throughput").TryGetProperty("output_limit", out _));
    }

    [Fact]
    public void Predict_writes_a_chrome_trace_of_both_streams()
    {
        var path = Path.Combine(Path.GetTempPath(), $"graphdsl-trace-{System.Guid.NewGuid():N}.json");
        try
        {
            var r = CliRunner.Run("predict", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "4", "--tp", "4", "--ep", "4",
                "--batch", "32", "--prompt", "512", "--context", "2048", "--passes", "overlap{nanobatches=2}", "--trace", path, "--format", "json");
            Assert.True(r.ExitCode == 0, r.Err);
            using var prediction = JsonDocument.Parse(r.Out);
            var decode = prediction.RootElement.GetProperty("decode");
            Assert.True(decode.GetProperty("tpot_ms").GetDouble() < decode.GetProperty("serial_ms").GetDouble());
            using var trace = JsonDocument.Parse(File.ReadAllText(path));
            var events = trace.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
            var spans = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
            // Prefill and decode (pids 0 and 1000), each with a compute (0) and a communication (1) thread.
            Assert.Equal(new[] { "0/0", "0/1", "1000/0", "1000/1" },
                spans.Select(e => $"{e.GetProperty("pid").GetInt32()}/{e.GetProperty("tid").GetInt32()}").Distinct().OrderBy(x => x, System.StringComparer.Ordinal));
            Assert.Contains(events, e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("args").TryGetProperty("name", out var n) && n.GetString() == "communication stream");
            Assert.All(spans, e => Assert.True(e.GetProperty("dur").GetDouble() > 0));
        }
        finally { File.Delete(path); }
    }

    /// <summary>Expert-parallel decode under the assumed power-law popularity is slower than under uniform
    /// routing (--routing-skew 0), and the JSON says which routing it assumed.</summary>
    [Fact]
    public void Predict_assumes_skewed_routing_unless_told_otherwise()
    {
        string[] Args(params string[] more) => new[] { "predict", "samples/deepseek-v3.moe", "--hardware", "h200-sxm", "--gpus", "8", "--tp", "1",
            "--dp", "8", "--ep", "8", "--weights", "fp8", "--batch", "1024", "--prompt", "1024", "--context", "2048", "--format", "json" }.Concat(more).ToArray();
        var skewed = CliRunner.Run(Args());
        var uniform = CliRunner.Run(Args("--routing-skew", "0"));
        Assert.Equal(0, skewed.ExitCode);
        Assert.Equal(0, uniform.ExitCode);
        using var a = System.Text.Json.JsonDocument.Parse(skewed.Out);
        using var b = System.Text.Json.JsonDocument.Parse(uniform.Out);
        Assert.Equal("power-law 1.01", a.RootElement.GetProperty("routing").GetString());
        Assert.Equal("uniform", b.RootElement.GetProperty("routing").GetString());
        double Tpot(System.Text.Json.JsonDocument d) => d.RootElement.GetProperty("decode").GetProperty("tpot_ms").GetDouble();
        // 4% here: the busiest GPU's extra copies cost their row work, their math runs under its weight streaming (TensorRT-LLM's
        // grouped GEMMs, docs/cost-model.md), where the serial law added it.
        Assert.True(Tpot(a) > 1.03 * Tpot(b), $"skewed {Tpot(a)} ms, uniform {Tpot(b)} ms");
    }

    [Fact]
    public void Predict_reports_an_infeasible_deployment_with_why()
    {
        var r = CliRunner.Run("predict", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.False(doc.RootElement.GetProperty("feasible").GetBoolean());
        Assert.Contains("weights alone", doc.RootElement.GetProperty("reasons")[0].GetString());
    }

    [Theory]
    [InlineData("--hardware", "h100-sxmm", "GD0601: unknown hardware 'h100-sxmm'; did you mean 'h100-sxm'?")]
    [InlineData("--tp", "3", "GD0602: tp x dp x pp = 3 x 1 x 1 = 3 GPUs, but the cluster has 8")]
    // --ep is not in the GPU product, so 0 used to reach the parallelize pass (GD0505, exit 1).
    [InlineData("--ep", "0", "GD0802: --ep: 0 is less than 1")]
    [InlineData("--tp", "2,4", "GD0802: --tp takes one value here, found '2,4' (sweep takes lists)")]
    [InlineData("--weights", "fp9", "GD0802: --weights: 'fp9' is not one of keep, bf16, f16, fp8")]
    [InlineData("--moe-comm", "broadcast", "GD0802: --moe-comm: 'broadcast' is not one of auto, all_to_all, all_gather")]
    [InlineData("--redundant-experts", "-1", "GD0802: --redundant-experts: -1 is less than 0")]
    [InlineData("--context", "lots", "GD0603: --context 'lots' is not a positive size")]
    [InlineData("--profile", "fast", "GD0605: unknown efficiency profile 'fast'")]
    [InlineData("--tpot-slo-ms", "NaN", "GD0802: --tpot-slo-ms must be a finite number above 0, found 'NaN'")]
    [InlineData("--routing-skew", "-1", "GD0802: --routing-skew must be a number from 0 to 2, found '-1'")]
    [InlineData("--routing-skew", "NaN", "GD0802: --routing-skew must be a number from 0 to 2, found 'NaN'")]
    // Past 2 the power law's imbalance falls again (10 predicted as fast as balanced routing): refused, not misread.
    [InlineData("--routing-skew", "2.5", "GD0802: --routing-skew must be a number from 0 to 2, found '2.5'")]
    [InlineData("--routing-skew", "10", "GD0802: --routing-skew must be a number from 0 to 2, found '10'")]
    // --passes is spliced into the deployment's pipeline; it is parsed as written first, so a malformed or
    // unknown element is an error at its column in the user's text instead of being dropped silently.
    [InlineData("--passes", "fuse{", "<pipeline>:1:5: error GD0501: unbalanced '{': expected '}'")]
    [InlineData("--passes", "inline{x=1}", "<pipeline>:1:8: error GD0503: pass 'inline' has no option 'x'")]
    [InlineData("--passes", ",", "<pipeline>:1:1: error GD0501: expected a pass name at ','")]
    [InlineData("--passes", "fuse,nope", "<pipeline>:1:6: error GD0502: unknown pass 'nope'")]
    public void Predict_rejects_bad_options_with_a_diagnostic(string option, string value, string message)
    {
        var args = new[] { "predict", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8" }.ToList();
        var i = args.IndexOf(option);
        if (i >= 0) args[i + 1] = value; else { args.Add(option); args.Add(value); }
        var r = CliRunner.Run(args.ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
    }

    private const string Device = "{\"id\": \"my-gpu\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900, \"fp4\": null}, "
        + "\"intra_node\": {\"unidirectional_gbps\": 400}";

    /// <summary>A --hardware-file with a wrong type or range is GD0604 naming the field; a root or device that
    /// is not an object, or a name that is not a string, used to end as an internal error from JsonElement.</summary>
    [Theory]
    [InlineData("{\"devices\": [" + Device + "}]}", "")]
    [InlineData("[]", "hw.json:1:1: error GD0604: expected an object with a \"devices\" array")]
    [InlineData("{\"devices\": [1]}", "hw.json:1:14: error GD0604: devices[0]: expected a device object")]
    [InlineData("{\"devices\": [" + Device + ", \"name\": 5}]}", "devices[0] ('my-gpu'): missing or invalid 'name (a string)'")]
    [InlineData("{\"devices\": [" + Device + "}, {\"id\": \"b\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": \"fast\"}, \"intra_node\": {\"unidirectional_gbps\": 400}}]}",
        "devices[1] ('b'): missing or invalid 'peak_tflops.bf16 (a positive number, or null)'")]
    [InlineData("{\"devices\": [" + Device + ", \"gpus_per_node\": 1e308}]}", "missing or invalid 'gpus_per_node (an integer >= 1)'")]
    [InlineData("{\"devices\": [" + Device + ", \"network\": {\"unidirectional_gbps\": 50, \"latency_us\": -5}}]}", "missing or invalid 'network.latency_us (a number >= 0)'")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"hbm_fraction\": \"high\"}}]}", "missing or invalid 'measured.hbm_fraction (a number >= 0)'")]
    [InlineData("{\"devices\": [" + Device + ", \"network\": {\"unidirectional_gbps\": 50, \"all_to_all\": \"no\"}}]}", "network.all_to_all must be true or false")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"fixed_us\": {\"gemm\": {\"fp8\": -1}}}}]}", "missing or invalid 'measured.fixed_us.gemm.fp8 (a number >= 0)'")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"fixed_us\": {\"moe\": 30}}}]}", "measured.fixed_us.moe must map weight formats to microseconds")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"fixed_us\": {\"gemm\": {\"bf16\": 4.5}, \"moe\": {\"bf16\": 30}}}}]}", "")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"expert_ns\": {\"moe\": {\"fp4\": -1}}}}]}", "missing or invalid 'measured.expert_ns.moe.fp4 (a number >= 0)'")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"engines\": {\"sglang\": {\"expert_ns\": {\"moe\": 200}}}}}]}", "measured.engines.sglang.expert_ns.moe must map weight formats to nanoseconds")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"copy_ns\": {\"moe\": {\"fp4\": -1}}}}]}", "missing or invalid 'measured.copy_ns.moe.fp4 (a number >= 0)'")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"engines\": {\"trtllm\": {\"copy_ns\": {\"moe\": 6.7}}}}}]}", "measured.engines.trtllm.copy_ns.moe must map weight formats to nanoseconds")]
    // Math-type keys are parsed once, at load: one the cost model does not know is an error naming it, not a figure ignored.
    [InlineData("{\"devices\": [{\"id\": \"my-gpu\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900, \"fp16\": 900}, "
        + "\"intra_node\": {\"unidirectional_gbps\": 400}}]}",
        "hw.json:1:110: error GD0604: devices[0] ('my-gpu'): unknown math type 'fp16' in peak_tflops; did you mean 'f16'?; known: f32, tf32, bf16, f16, fp8, fp4, int8, int4")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"gemm_fraction\": {\"fp8_block\": 0.5}}}]}",
        "devices[0] ('my-gpu'): unknown math type 'fp8_block' in measured.gemm_fraction; did you mean 'fp8'?; known: f32, tf32, bf16, f16, fp8, fp4, int8, int4")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"engines\": {\"vllm\": {\"fixed_us\": {\"gemm\": {\"w4a16\": 20}}}}}}]}",
        "devices[0] ('my-gpu'): unknown math type 'w4a16' in measured.engines.vllm.fixed_us.gemm; known: f32, tf32, bf16, f16, fp8, fp4, int8, int4, fp8_block")]
    [InlineData("{\"devices\": [" + Device + ", \"measured\": {\"fixed_us\": {\"gemm\": {\"fp8_block\": 20}}}}]}", "")]
    // A misspelt host CPU used to drop the engine's host work silently (no figure for 'grcae').
    [InlineData("{\"devices\": [" + Device + ", \"host_cpu\": \"grcae\"}]}", "devices[0] ('my-gpu'): 'host_cpu' is 'grcae', no host CPU family; did you mean 'grace'?; known: grace, x86")]
    [InlineData("{\"devices\": [" + Device + ", \"host_cpu\": \"x86\"}]}", "")]
    public void Predict_checks_every_field_of_a_hardware_file(string json, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-fuzz-" + System.Guid.NewGuid().ToString("N"), "hw.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        try
        {
            var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", "my-gpu", "--hardware-file", path, "--format", "json");
            if (message.Length == 0) { Assert.True(r.ExitCode == 0, r.Err); return; }
            Assert.Equal(2, r.ExitCode);
            Assert.Matches(@"hw\.json:1:\d+: error GD0604: ", r.Err);
            Assert.Contains(message, r.Err);
            Assert.DoesNotContain("GD0899", r.Err);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    [Fact]
    public void Predict_reports_an_illegal_layout()
    {
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--gpus", "3", "--tp", "3");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("tp=3 does not divide the 4 attention heads", r.Err);
    }

    [Fact]
    public void Sweep_evaluates_every_combination_and_marks_the_best()
    {
        var path = Path.Combine(Path.GetTempPath(), "graphdsl-sweep.csv");
        var r = CliRunner.Run("sweep", "samples/llama-3-70b.moe", "--hardware", "h100-sxm,h200-sxm", "--gpus", "8", "--batch", "1,64",
            "--context", "4k,32k", "--tp", "2,4,8", "--dp", "1,2,4", "--weights", "bf16,fp8", "-o", path);
        Assert.True(r.ExitCode == 0, r.Err);
        var all = File.ReadAllLines(path);
        // The layouts that do not use 8 GPUs are counted in the metadata and the note, never dropped silently.
        const string skipped = "12 of 18 candidate layouts skipped: tp x dp x pp is not the GPU count";
        Assert.Equal(new[] { "# efficiency profile: default on h100-sxm; default on h200-sxm", "# " + skipped }, all.TakeWhile(l => l.StartsWith('#')).ToArray());
        Assert.Contains("note GD0619: " + skipped, r.Err);
        var lines = all.SkipWhile(l => l.StartsWith('#')).ToArray();
        // Layouts with tp x dp = 8: (8,1), (4,2), (2,4); x 2 devices x 2 formats x 2 batches x 2 contexts.
        Assert.Equal(1 + 3 * 2 * 2 * 2 * 2, lines.Length);
        int bestColumn = System.Array.IndexOf(lines[0].Split(','), "best");
        Assert.Single(lines.Skip(1), l => l.Split(',')[bestColumn] == "true");
        Assert.Contains("best:", r.Err);
    }

    [Theory]
    // 2000 batches x 2000 contexts: four million rows, which used to run out of memory.
    [InlineData("--batch", "RANGE", "--prompt", "RANGE", "GD0606: the sweep is too large: 1 deployment(s) x 1 device(s) x 2000 (prompt, context) pair(s) x 2000 batch(es) = 4000000 configurations; the limit is 1000000")]
    [InlineData("--tp", "RANGE", "--dp", "RANGE", "GD0606: the sweep is too large: --gpus x the layout and format lists = 1 x 4000000 = 4000000 candidate layouts; the limit is 1000000")]
    [InlineData("--redundant-experts", "RANGE", "--weights", "bf16,fp8,int4", "GD0606: the sweep is too large: 1 pipeline(s) x their layouts = 6000 deployments to compile; the limit is 4096")]
    // A layout size beyond an int used to wrap around silently: 4294967304 became tp=8.
    [InlineData("--tp", "4294967304", "--batch", "8", "GD0802: --tp: 4294967304 is larger than 2147483647")]
    [InlineData("--passes", "fuse;fuse{", "--batch", "8", "<pipeline>:1:5: error GD0501: unbalanced '{': expected '}'")]
    [InlineData("--tpot-slo-ms", "-1", "--batch", "8", "GD0802: --tpot-slo-ms must be a finite number above 0, found '-1'")]
    [InlineData("--routing-skew", "11", "--batch", "8", "GD0802: --routing-skew must be a number from 0 to 2, found '11'")]
    public void Sweep_rejects_bad_or_unbounded_options_before_compiling(string o1, string v1, string o2, string v2, string message)
    {
        string Value(string v) => v == "RANGE" ? string.Join(",", Enumerable.Range(1, 2000)) : v;
        var r = CliRunner.Run("sweep", "samples/llama-3-8b.moe", "--hardware", "h100-sxm", "--gpus", "8", o1, Value(v1), o2, Value(v2));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Compare_reports_sparsity_and_where_the_moe_is_disadvantaged()
    {
        var r = CliRunner.Run("compare", "samples/mixtral-8x7b.moe", "--dense-q", "1.5", "--hardware", "h100-sxm", "--gpus", "2", "--weights", "fp8",
            "--batch", "16", "--context", "8k", "--contexts", "1k,16k,128k", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.InRange(root.GetProperty("a").GetProperty("sparsity").GetDouble(), 0.27, 0.28);
        Assert.Equal(1.0, root.GetProperty("b").GetProperty("sparsity").GetDouble());
        Assert.Equal(3, root.GetProperty("contexts").GetArrayLength());
        Assert.True(root.GetProperty("a_disadvantaged_contexts").GetArrayLength() >= 1);
    }

    /// <summary>compare with one model and two pipelines or two weight formats is the passes' before/after.</summary>
    [Fact]
    public void Compare_shows_fusion_before_and_after()
    {
        const string noFusion = "fuse{qkv=false,gated_ffn=false,attention=false,moe=false,epilogue=false,norm=false,elementwise=false}";
        var r = CliRunner.Run("compare", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--tp", "8", "--weights", "fp8",
            "--batch", "1", "--contexts", "4k", "--passes", noFusion, "--passes-b", "fuse", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var (a, b) = (doc.RootElement.GetProperty("a"), doc.RootElement.GetProperty("b"));
        Assert.Equal(a.GetProperty("weights_gb").GetDouble(), b.GetProperty("weights_gb").GetDouble());
        Assert.True(b.GetProperty("tpot_ms").GetDouble() < a.GetProperty("tpot_ms").GetDouble(),
            $"fused TPOT {b.GetProperty("tpot_ms")} ms, unfused {a.GetProperty("tpot_ms")} ms");
    }

    [Fact]
    public void Compare_shows_a_narrower_weight_format_before_and_after()
    {
        var r = CliRunner.Run("compare", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "4", "--tp", "4", "--weights", "bf16",
            "--weights-b", "fp8", "--batch", "1", "--contexts", "4k", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var (a, b) = (doc.RootElement.GetProperty("a"), doc.RootElement.GetProperty("b"));
        // FP8 halves the quantized weights; embeddings and norms stay, so a little over half remains.
        Assert.InRange(b.GetProperty("weights_gb").GetDouble() / a.GetProperty("weights_gb").GetDouble(), 0.5, 0.55);
        Assert.True(b.GetProperty("tpot_ms").GetDouble() < a.GetProperty("tpot_ms").GetDouble());
        Assert.True(b.GetProperty("max_batch").GetInt64() > a.GetProperty("max_batch").GetInt64());
    }

    [Fact]
    public void Validate_prints_the_errors_and_the_mape()
    {
        var r = CliRunner.Run("validate", "--data", "tests/Backends.CostModel.Tests/Data/measurements.csv");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("calibration points: n=", r.Out);
        Assert.Contains("MAPE", r.Out);
    }
}
