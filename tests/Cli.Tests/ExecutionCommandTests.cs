using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace GraphDsl.Cli.Tests;

/// <summary><c>graphdsl weights init/check</c> and <c>graphdsl run</c>: seeded weights round-trip, generation
/// agrees with the reference under --check, and every bad weights file or input is one diagnostic, never
/// a stack trace.</summary>
[Collection(nameof(CliCollection))]
public class ExecutionCommandTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("graphdsl-run-").FullName;

    private static string Weights(string sample, ulong seed = 1)
    {
        var path = Path.Combine(Dir, $"{sample}-{seed}.safetensors");
        if (!File.Exists(path))
        {
            var r = CliRunner.Run("weights", "init", $"samples/{sample}.moe", "--seed", seed.ToString(), "-o", path);
            Assert.True(r.ExitCode == 0, r.All);
            Assert.Contains("tensors", r.Out);
        }
        return path;
    }

    [Fact]
    public void Weights_init_is_seeded_and_check_accepts_the_file()
    {
        var a = File.ReadAllBytes(Weights("tiny-dense", 1));
        var again = Path.Combine(Dir, "again.safetensors");
        Assert.Equal(0, CliRunner.Run("weights", "init", "samples/tiny-dense.moe", "--seed", "1", "-o", again).ExitCode);
        Assert.Equal(a, File.ReadAllBytes(again));
        Assert.NotEqual(a, File.ReadAllBytes(Weights("tiny-dense", 2)));
        var check = CliRunner.Run("weights", "check", "samples/tiny-dense.moe", "--weights", again);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("tensors match TinyDense", check.Out);
    }

    [Theory]
    [InlineData("tiny-dense", "")]
    [InlineData("tiny-moe", "quantize{weights=fp8-e4m3},fuse")]
    [InlineData("tiny-hybrid", "fuse")]
    public void Run_with_check_prints_the_json_fields_and_matches_the_reference(string sample, string passes)
    {
        var args = new[] { "run", $"samples/{sample}.moe", "--weights", Weights(sample), "--prompt-tokens", "1,17,42", "--max-new", "5", "--check", "--format", "json" };
        if (passes.Length > 0) args = args.Concat(new[] { "--passes", passes }).ToArray();
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.All);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        var tokens = root.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal(5, tokens.Length);
        Assert.Equal(tokens, root.GetProperty("reference_tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray());
        Assert.True(root.GetProperty("tokens_per_s").GetDouble() > 0);
        Assert.InRange(root.GetProperty("max_abs_logit_diff").GetDouble(), 0, 1e-3);
        Assert.True(root.GetProperty("matches_reference").GetBoolean());
    }

    [Fact]
    public void Run_prints_tokens_and_speed_as_text()
    {
        var r = CliRunner.Run("run", "samples/tiny-moe.moe", "--weights", Weights("tiny-moe"), "--prompt-tokens", "5,6", "--max-new", "3");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("prompt: 5 6", r.Out);
        Assert.Matches(@"tokens: \d+ \d+ \d+\n", r.Out);
        Assert.Contains("tokens/s", r.Out);
    }

    private static string Mutated(string name, Func<byte[], byte[]> change)
    {
        var path = Path.Combine(Dir, name + ".safetensors");
        File.WriteAllBytes(path, change(File.ReadAllBytes(Weights("tiny-dense"))));
        return path;
    }

    private static CliRunner.Result RunWith(string weights, string sample = "tiny-dense") =>
        CliRunner.Run("run", $"samples/{sample}.moe", "--weights", weights, "--prompt-tokens", "1,2", "--max-new", "2");

    [Fact]
    public void A_truncated_file_is_reported_not_thrown()
    {
        var r = RunWith(Mutated("truncated", b => b.Take(b.Length - 1000).ToArray()));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0701", r.Err);
        Assert.Contains("truncated", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public void A_file_that_is_not_safetensors_is_reported()
    {
        var r = RunWith(Mutated("garbage", b => Encoding.ASCII.GetBytes("definitely not a safetensors file, just some text")));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0701", r.Err);
    }

    [Fact]
    public void A_tensor_with_an_unknown_dtype_is_named()
    {
        // The header's first tensor dtype "F32" becomes "Q32" (same length, so offsets stay valid).
        var r = RunWith(Mutated("dtype", b =>
        {
            var text = Encoding.ASCII.GetString(b);
            int at = text.IndexOf("\"F32\"", StringComparison.Ordinal);
            var copy = (byte[])b.Clone();
            copy[at + 1] = (byte)'Q';
            return copy;
        }));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0701", r.Err);
        Assert.Contains("Q32", r.Err);
    }

    [Fact]
    public void Weights_of_another_model_are_reported_by_tensor_name()
    {
        var r = RunWith(Weights("tiny-dense"), "tiny-moe");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0702", r.Err);
        Assert.Contains("embed.table", r.Err);
    }

    [Theory]
    [InlineData("1,x", 2, "GD0802")]
    [InlineData("", 2, "GD0802")]
    [InlineData("1,99999", 1, "GD0704")]
    public void Bad_prompt_tokens_are_diagnosed(string prompt, int exit, string id)
    {
        var r = CliRunner.Run("run", "samples/tiny-dense.moe", "--weights", Weights("tiny-dense"), "--prompt-tokens", prompt, "--max-new", "2");
        Assert.Equal(exit, r.ExitCode);
        Assert.Contains(id, r.Err);
    }

    /// <summary>A tensor- or data-parallel shard cannot run alone: it was refused as weights that do not fit the model
    /// (GD0702 naming every sharded weight's expected and found shape), which says nothing of the cause.</summary>
    [Theory]
    [InlineData("tiny-dense", "parallelize{tp=2}", "tp=2 x dp=1")]
    [InlineData("tiny-moe", "parallelize{dp=2,ep=2}", "tp=1 x dp=2")]
    public void A_sharded_pipeline_is_refused_naming_the_layout(string sample, string passes, string layout)
    {
        var r = CliRunner.Run("run", $"samples/{sample}.moe", "--weights", Weights(sample), "--prompt-tokens", "1,2", "--max-new", "1", "--passes", passes);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"graphdsl: error GD0703: run executes the whole model on one device, but the pipeline shards it over {layout} GPUs; leave parallelize out of --passes (pp alone runs its stages in turn)",
            r.Err.Trim());
    }

    // A prompt of 60,000 tokens grew past 3 GB in a minute (heads x tokens^2 attention scores) without an end.
    [Fact]
    public void A_prompt_longer_than_run_executes_is_refused_before_anything_is_read()
    {
        var tokens = string.Join(",", Enumerable.Repeat("1", 4097));
        var r = CliRunner.Run("run", "samples/tiny-dense.moe", "--weights", "no-such.safetensors", "--prompt-tokens", tokens, "--max-new", "1");
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal("graphdsl: error GD0802: --prompt-tokens has 4097 token ids; at most 4096 are executed (the prefill holds heads x tokens^2 attention scores in host memory)",
            r.Err.Split('\n')[0]);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_model_too_large_to_execute_is_refused_before_allocating()
    {
        var r = CliRunner.Run("weights", "init", "samples/deepseek-v3.moe", "-o", Path.Combine(Dir, "huge.safetensors"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("parameters", r.Err);
        Assert.False(File.Exists(Path.Combine(Dir, "huge.safetensors")));
    }

    [Fact]
    public void Cuda_without_a_gpu_is_a_diagnostic()
    {
        var r = CliRunner.Run("run", "samples/tiny-dense.moe", "--weights", Weights("tiny-dense"), "--prompt-tokens", "1", "--max-new", "1", "--device", "cuda");
        // On a machine with an NVIDIA GPU this runs; everywhere else it must say why not.
        if (r.ExitCode != 0) Assert.Contains("error GD0705", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }
}
