using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary>plan: the JSON fields issue 17 names (<c>pareto</c> points with output_tokens_per_s_per_gpu and
/// output_tokens_per_s_per_user), the exports it writes after checking them, and the exit codes of bad options (2) and of
/// a model no deployment can serve (1).</summary>
[Collection(nameof(CliCollection))]
public class PlanCommandTests
{
    private static readonly string[] Search =
    {
        "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--weights", "fp8", "--workload", "concurrency:32,prompt=512,output=64",
        "--slo", "ttft=2000,tpot=60", "--simulate", "6",
    };

    private static CliRunner.Result Plan(params string[] args) =>
        CliRunner.Run(new[] { "plan" }.Concat(Search).Concat(args.Contains("--requests") ? args : args.Concat(new[] { "--requests", "100" })).ToArray());

    [Fact]
    public void Too_many_simulations_are_refused()
    {
        var r = CliRunner.Run("plan", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--workload", "concurrency:32,prompt=512,output=64",
            "--slo", "ttft=2000", "--simulate", "1000");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0821: --simulate 1000 is more than 256, the most candidates one plan simulates", r.Err);
    }

    /// <summary>--gpus 9999999 planned chunked{max_batch=16777216,budget=16777216}: the engine's limits, cut to the scheduler's
    /// 2^24 without a word, left one sequence per replica where the search meant 16. plan refuses a count past the bound
    /// where that cut begins (PlanSpace.MaxGpus).</summary>
    [Fact]
    public void More_gpus_than_one_engine_is_planned_over_are_refused()
    {
        var r = CliRunner.Run("plan", "samples/llama-2-7b.moe", "--hardware", "h100-sxm", "--gpus", "8,9999999", "--workload", "poisson:rate=10,prompt=128,output=32",
            "--slo", "ttft=1000,tpot=100");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("graphdsl: error GD0821: --gpus 9999999 is more than 2048, the most GPUs plan lays one engine over: its batch and token budget per replica "
            + "times the data-parallel replicas must stay within 16777216 (2^24); plan a part of the fleet and run copies of it", r.Err.Trim());
    }

    [Fact]
    public void Json_has_the_front_the_best_plan_and_the_search_bounds()
    {
        var r = Plan("--format", "json");
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        var pareto = root.GetProperty("pareto").EnumerateArray().ToList();
        Assert.NotEmpty(pareto);
        foreach (var p in pareto)
        {
            Assert.True(p.GetProperty("output_tokens_per_s_per_gpu").GetDouble() > 0);
            Assert.True(p.GetProperty("output_tokens_per_s_per_user").GetDouble() > 0);
            Assert.Equal(8, p.GetProperty("gpus").GetInt32());
            if (p.GetProperty("kind").GetString() == "aggregated")
                Assert.Equal(8, p.GetProperty("tp").GetInt32() * p.GetProperty("dp").GetInt32() * p.GetProperty("pp").GetInt32());
            else
            {
                // A disaggregated point: each kind of instance with its count and GPUs, adding up to the cluster's.
                Assert.Equal("disaggregated", p.GetProperty("kind").GetString());
                Assert.False(p.TryGetProperty("tp", out _));
                int Gpus(string role) => p.GetProperty(role).GetProperty("instances").GetInt32() * p.GetProperty(role).GetProperty("gpus_per_instance").GetInt32();
                Assert.Equal(8, Gpus("prefill") + Gpus("decode"));
                Assert.StartsWith("disagg{prefill=", p.GetProperty("scheduler").GetString());
            }
        }
        var search = root.GetProperty("search");
        Assert.Equal(6, search.GetProperty("simulate_limit").GetInt32());
        Assert.InRange(search.GetProperty("simulated").GetInt32(), 1, 6);
        Assert.Equal(root.GetProperty("simulated").GetArrayLength(), search.GetProperty("simulated").GetInt32());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("best").ValueKind);
        Assert.True(root.GetProperty("best").GetProperty("meets_slo").GetBoolean());
    }

    [Fact]
    public void Csv_has_a_row_per_simulated_candidate_marked_on_the_front()
    {
        var r = Plan("--format", "csv");
        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.TrimEnd().Split('\n');
        var columns = lines[0].Split(',');
        Assert.Equal(new[] { "output_tokens_per_s_per_gpu", "output_tokens_per_s_per_user" }, columns.Where(c => c.StartsWith("output_tokens", StringComparison.Ordinal)));
        Assert.InRange(lines.Length - 1, 1, 6);
        // The scheduler is quoted (its options hold commas): split outside quotes.
        var rows = lines.Skip(1).Select(l => System.Text.RegularExpressions.Regex.Split(l, ",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")).ToList();
        Assert.All(rows, row => Assert.Equal(columns.Length, row.Length));
        Assert.Contains(rows, row => row[Array.IndexOf(columns, "pareto")] == "true");
        Assert.Single(rows, row => row[Array.IndexOf(columns, "best")] == "true");
        // Both kinds are searched by default; a disaggregated row names its instances and leaves the engine-wide layout empty.
        int kind = Array.IndexOf(columns, "kind"), prefill = Array.IndexOf(columns, "prefill"), tp = Array.IndexOf(columns, "tp");
        Assert.Contains(rows, row => row[kind] == "aggregated");
        Assert.Contains(rows, row => row[kind] == "disaggregated");
        Assert.All(rows, row => Assert.Equal(row[kind] == "disaggregated", row[prefill].Length > 0 && row[tp].Length == 0));
    }

    /// <summary>A disaggregated best plan is written as a Dynamo graph of a prefill and a decode worker service; vLLM's own
    /// script cannot run it (exit 1, nothing written).</summary>
    [Fact]
    public void A_disaggregated_plan_exports_for_dynamo()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"plan-export-{Guid.NewGuid():N}");
        var r = Plan("--kinds", "disaggregated", "--export", "dynamo", "--export-dir", dir);
        Assert.True(r.ExitCode == 0, r.Err);
        var yaml = File.ReadAllText(Path.Combine(dir, "dynamo-disagg.yaml"));
        Assert.Contains("subComponentType: prefill", yaml);
        Assert.Contains("subComponentType: decode", yaml);
        var refused = Plan("--kinds", "disaggregated", "--export", "vllm", "--export-dir", dir + "-vllm");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("error GD0638: vllm: a disaggregated plan (disagg{prefill=", refused.Err);
        Assert.False(Directory.Exists(dir + "-vllm") && Directory.GetFiles(dir + "-vllm").Length > 0);
    }

    [Fact]
    public void Exports_are_written_and_named()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"plan-export-{Guid.NewGuid():N}");
        var r = Plan("--kinds", "aggregated", "--ep", "8", "--redundant-experts", "8", "--export", "vllm,sglang,trtllm,dynamo", "--export-dir", dir,
            "--export-model", "mistralai/Mixtral-8x7B-Instruct-v0.1");
        Assert.True(r.ExitCode == 0, r.Err);
        // The search is held to ep=8 with 8 redundant slots (free, the best plan is tp=8 ep=1: at 32 sequences an
        // expert-parallel GPU streams whole experts for few tokens), so SGLang's launch takes an expert map beside its script.
        Assert.Equal(new[] { "dynamo-agg.yaml", "sglang-expert-map.json", "sglang.sh", "trtllm-extra.yaml", "trtllm.sh", "vllm.sh" }, Directory.GetFiles(dir).Select(Path.GetFileName).OrderBy(x => x, StringComparer.Ordinal));
        Assert.Contains("vllm serve mistralai/Mixtral-8x7B-Instruct-v0.1", File.ReadAllText(Path.Combine(dir, "vllm.sh")));
        Assert.Contains("checked against", r.Err);
    }

    [Theory]
    [InlineData(new[] { "--export", "vllm" }, "error GD0821: --export needs --export-dir DIR")]
    [InlineData(new[] { "--export", "tgi", "--export-dir", "x" }, "error GD0821: --export: unknown engine 'tgi'")]
    [InlineData(new[] { "--requests", "5000000" }, "error GD0822: 5000000 requests x 6 simulated candidates = 30000000 simulated requests; the limit is 20000000")]
    [InlineData(new[] { "--passes", "parallelize{tp=8}" }, "error GD0821: --passes: plan searches the layout and formats itself")]
    [InlineData(new[] { "--tp", "3" }, "error GD0822: no layout uses exactly the GPUs given")]
    [InlineData(new[] { "--kinds", "aggregated,disagregated" }, "error GD0821: --kinds: unknown kind 'disagregated'; known: aggregated, disaggregated; did you mean 'disaggregated'?")]
    [InlineData(new[] { "--kinds", "," }, "error GD0821: --kinds: name at least one of aggregated, disaggregated")]
    // A line break in the model used to reach the launch files, whose own check refused them naming a file's line, exit 1.
    [InlineData(new[] { "--export", "vllm", "--export-dir", "x", "--export-model", "a\nrm -rf ~ #" }, "graphdsl: error GD0821: --export-model 'a rm -rf ~ #': expected a checkpoint path or Hugging Face id, one line without control characters")]
    // YAML's readers also end a line at U+2028 (and U+2029, NEL): the name ended dynamo-agg.yaml's comment and added a key.
    [InlineData(new[] { "--export", "dynamo", "--export-dir", "x", "--export-model", "a\u2028extra: 1" }, "graphdsl: error GD0821: --export-model 'a extra: 1': expected a checkpoint path or Hugging Face id, one line without control characters")]
    public void Bad_options_are_usage_errors(string[] args, string expected)
    {
        var r = Plan(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public void A_trace_workload_is_refused()
    {
        var r = CliRunner.Run("plan", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--workload", "trace:t.jsonl", "--slo", "ttft=1000");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0821: --workload trace: plan simulates synthetic traffic", r.Err);
    }

    /// <summary>Requests of one output token have no TPOT, so no per-user speed: every candidate used to be simulated and dropped
    /// ("no request completed with more than one output token"), leaving an empty front and a warning, exit 0.</summary>
    [Fact]
    public void A_workload_of_one_output_token_is_refused()
    {
        var r = CliRunner.Run("plan", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--workload", "poisson:rate=1,prompt=128,output=1", "--slo", "ttft=1000");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("graphdsl: error GD0821: --workload poisson:rate=1,prompt=128,output=1: plan ranks deployments by output tokens/s per GPU and per user (1000 / TPOT), and a request of one output token has no TPOT; give output=2 or more", r.Err.Trim());
    }

    /// <summary>One GPU holds no xPyD split: a usage error that says what a split needs.</summary>
    [Fact]
    public void Disaggregation_on_one_gpu_is_refused()
    {
        var r = CliRunner.Run("plan", "samples/mixtral-8x7b.moe", "--hardware", "h100-sxm", "--gpus", "1", "--kinds", "disaggregated", "--workload", "concurrency:1,prompt=128,output=8", "--slo", "tpot=100");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error GD0822: no layout uses exactly the GPUs given", r.Err);
        Assert.Contains("and no xPyD split does (a prefill and a decode instance, each a power of two of GPUs within a node or whole nodes)", r.Err);
    }

    /// <summary>BF16 DeepSeek-V3 does not fit on one H100 in any layout: the reason, exit 1.</summary>
    [Fact]
    public void A_model_no_deployment_can_serve_is_an_input_error()
    {
        var r = CliRunner.Run("plan", "samples/deepseek-v3.moe", "--hardware", "h100-sxm", "--gpus", "1", "--workload", "concurrency:1,prompt=128,output=8", "--slo", "tpot=100");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0636: none of the 1 candidate(s) of DeepSeekV3 on h100-sxm x 1 can serve concurrency:1,prompt=128,output=8: does not fit: ", r.Err);
    }

    /// <summary>What leaves no room for the cache is named with its size: the workspace of an attention-DP layout that
    /// gathers 2,048 replicas' tokens to every MoE layer, not only the 3.1 GB of weights that plan blamed alone.</summary>
    [Fact]
    public void A_layout_whose_workspace_leaves_no_room_says_so()
    {
        var r = CliRunner.Run("plan", "samples/qwen3-30b-a3b.moe", "--hardware", "h100-sxm", "--gpus", "2048", "--kinds", "aggregated", "--tp", "1",
            "--dp", "2048", "--ep", "128", "--workload", "concurrency:100000,prompt=512,output=128", "--slo", "tpot=1000");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("can serve concurrency:100000,prompt=512,output=128: does not fit: 3.1 GB of weights and 1109.7 GB of workspace per GPU leave no room on a h100-sxm for the KV cache of one 640-token request", r.Err);
    }
}
