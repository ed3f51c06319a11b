using System;
using System.CommandLine;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Weights.Safetensors;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// Issue 15's numbers: each input that used to give a confident impossible answer (a negative KV cache,
/// 5.9e28 parameters, a device of 1e300 GB/s, MAPE NaN%) or an internal error (GD0899) is now one
/// diagnostic with exit 1 (bad input) or 2 (bad command line), asserted by its exact text.
/// </summary>
[Collection(nameof(CliCollection))]
public class HostileNumberTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("graphdsl-numbers-").FullName;

    private static string Write(string name, string text)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertError(CliRunner.Result r, int exitCode, string error)
    {
        Assert.True(exitCode == r.ExitCode, $"exit {r.ExitCode}\n{r.All}");
        Assert.Contains(error, r.Err);
        Assert.DoesNotContain("GD0899", r.Err);
        Assert.Equal("", r.Out);
    }

    private static readonly string[] Predict = { "predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm" };
    private static readonly string[] Compare = { "compare", "samples/tiny-dense.moe", "--hardware", "h100-sxm" };
    private static readonly string[] Sweep = { "sweep", "samples/tiny-dense.moe", "--hardware", "h100-sxm" };

    // --context 9223372036854775807k wrapped around to -1024 and predicted a negative KV cache as feasible.
    [Theory]
    [InlineData("predict", "--context", "9223372036854775807k", "graphdsl: error GD0603: --context '9223372036854775807k' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("predict", "--prompt", "9223372036854775807k", "graphdsl: error GD0603: --prompt '9223372036854775807k' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("predict", "--context", "2097153k", "graphdsl: error GD0603: --context '2097153k' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("predict", "--context", "-1024", "graphdsl: error GD0603: --context '-1024' is not a positive size (like 4096, 4k or 1m)")]
    [InlineData("sweep", "--context", "4k,9223372036854775807k", "graphdsl: error GD0606: --context: '9223372036854775807k' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("sweep", "--batch", "8,9223372036854775807", "graphdsl: error GD0606: --batch: '9223372036854775807' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("compare", "--contexts", "1k,9223372036854775807k", "graphdsl: error GD0603: --contexts: '9223372036854775807k' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("compare", "--prompt", "9223372036854775807k", "graphdsl: error GD0603: --prompt '9223372036854775807k' is more than 2147483648 (2^31) tokens, the limit")]
    [InlineData("predict", "--batch", "9223372036854775807", "graphdsl: error GD0802: --batch must be an integer from 1 to 2147483648 (2^31), found '9223372036854775807'")]
    [InlineData("predict", "--output-tokens", "-1", "graphdsl: error GD0802: --output-tokens must be an integer from 0 to 2147483648 (2^31), found '-1'")]
    public void Sizes_are_checked_before_they_are_multiplied(string command, string option, string value, string error)
    {
        var args = (command switch { "predict" => Predict, "sweep" => Sweep, _ => Compare }).Concat(new[] { option, value }).ToArray();
        AssertError(CliRunner.Run(args), 2, error);
    }

    [Theory]
    [InlineData("--context", "9223372036854775807", "graphdsl: error GD0802: --context must be an integer from 1 to 2147483648 (2^31), found '9223372036854775807'")]
    [InlineData("--prompt", "0", "graphdsl: error GD0802: --prompt must be an integer from 1 to 2147483648 (2^31), found '0'")]
    public void Stats_lengths_are_bounded(string option, string value, string error) =>
        AssertError(CliRunner.Run("stats", "samples/tiny-dense.moe", option, value), 2, error);

    // repeat 9223372036854775807 reported 5.9e28 parameters with exit 0.
    [Fact]
    public void A_repeat_of_2_63_layers_is_located_errors()
    {
        var spec = File.ReadAllText(Path.Combine(GraphDsl.TestSupport.Repo.Root, "samples", "tiny-dense.moe")).Replace("repeat layers as layers", "repeat 9223372036854775807 as layers");
        var path = Write("huge-repeat.moe", spec);
        var r = CliRunner.Run("stats", path);
        AssertError(r, 1, path + ":21:3: error GD0319: this repeat runs its body 9223372036854775807 times per step (nested repeat counts multiplied); the limit is 1048576");
        Assert.Contains(path + ":21:3: error GD0318: model 'TinyDense' has more than 2^63 parameters once its repeats and calls are counted; the limit is 10^15", r.Err);
    }

    private const string Device = "{\"devices\": [{\"id\": \"my-gpu\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900}, "
        + "\"intra_node\": {\"unidirectional_gbps\": 400}}]}";

    // A device of 1e300 GB/s was accepted and every deployment predicted instant.
    [Theory]
    [InlineData("\"hbm_bandwidth_gbps\": 3000", "\"hbm_bandwidth_gbps\": 1e300", "'hbm_bandwidth_gbps' is 1E+300, beyond any device (at most 1000000 GB/s)")]
    [InlineData("\"memory_bytes\": 8e10", "\"memory_bytes\": 1e16", "'memory_bytes' is 1E+16, beyond any device (at most 1000000000000000 bytes)")]
    [InlineData("\"bf16\": 900", "\"bf16\": 2e6", "'peak_tflops.bf16' is 2E+06, beyond any device (at most 1000000 TFLOP/s)")]
    [InlineData("\"unidirectional_gbps\": 400", "\"unidirectional_gbps\": 1e7", "'intra_node.unidirectional_gbps' is 1E+07, beyond any device (at most 1000000 GB/s)")]
    [InlineData("\"memory_bytes\": 8e10", "\"memory_bytes\": -8e10", "missing or invalid 'memory_bytes (a positive number)'")]
    // 1e-300 GB/s or TFLOP/s was accepted and printed steps of 10^300 ms with exit 0.
    [InlineData("\"hbm_bandwidth_gbps\": 3000", "\"hbm_bandwidth_gbps\": 1e-300", "'hbm_bandwidth_gbps' is 1E-300, below any device (at least 0.01 GB/s)")]
    [InlineData("\"bf16\": 900", "\"bf16\": 1e-300", "'peak_tflops.bf16' is 1E-300, below any device (at least 0.001 TFLOP/s)")]
    [InlineData("\"unidirectional_gbps\": 400", "\"unidirectional_gbps\": 0.001", "'intra_node.unidirectional_gbps' is 0.001, below any device (at least 0.01 GB/s)")]
    public void A_hardware_figure_beyond_any_device_names_the_field(string field, string replaced, string error)
    {
        var text = Device.Replace(field, replaced);
        var path = Write("hw-" + Guid.NewGuid().ToString("N") + ".json", text);
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", "my-gpu", "--hardware-file", path);
        // Located at the field's key, where an editor would take the reader to mend it.
        AssertError(r, 2, $"{path}:1:{text.IndexOf(replaced, StringComparison.Ordinal) + 1}: error GD0604: devices[0] ('my-gpu'): {error}");
    }

    // compare --dense-q NaN was an internal error (GD0899); --expert-budget-gb 1e300 wrote Infinity into JSON.
    [Theory]
    [InlineData("compare", "--dense-q", "NaN", "--dense-q must be a finite number above 0, found 'NaN'")]
    [InlineData("compare", "--dense-q", "Infinity", "--dense-q must be a finite number above 0, found 'Infinity'")]
    [InlineData("compare", "--dense-q", "1e400", "--dense-q must be a finite number above 0, found '1e400'")]
    [InlineData("place", "--expert-budget-gb", "1e300", "--expert-budget-gb must be a number above 0 and at most 1000000, found '1e300'")]
    [InlineData("place", "--expert-budget-gb", "NaN", "--expert-budget-gb must be a number above 0 and at most 1000000, found 'NaN'")]
    [InlineData("place", "--cpu-tflops", "-Infinity", "--cpu-tflops must be a number from 0 to 1000000, found '-Infinity'")]
    [InlineData("run", "--temperature", "NaN", "--temperature must be a finite number of at least 0, found 'NaN'")]
    [InlineData("predict", "--routing-skew", "Infinity", "--routing-skew must be a number from 0 to 2, found 'Infinity'")]
    [InlineData("sweep", "--tpot-slo-ms", "Infinity", "--tpot-slo-ms must be a finite number above 0, found 'Infinity'")]
    public void Non_finite_floats_are_usage_errors(string command, string option, string value, string error)
    {
        var args = command switch
        {
            "place" => new[] { "place", "samples/tiny-moe.moe", "--stats", "never-read.json" },
            "run" => new[] { "run", "samples/tiny-dense.moe", "--weights", "never-read.safetensors", "--prompt-tokens", "1" },
            "predict" => Predict,
            "sweep" => Sweep,
            _ => Compare,
        };
        AssertError(CliRunner.Run(args.Concat(new[] { option, value }).ToArray()), 2, "graphdsl: error GD0802: " + error);
    }

    /// <summary>Every float option of every command refuses NaN and infinity: an option added later
    /// without <c>NumberOptions.Float</c> fails here.</summary>
    [Fact]
    public void Every_float_option_refuses_NaN_and_infinity()
    {
        var root = Program.BuildRoot();
        var found = new List<string>();
        foreach (var (path, option) in FloatOptions(root, Array.Empty<string>()))
        {
            found.Add(string.Join(" ", path) + " " + option.Name);
            foreach (var value in new[] { "NaN", "Infinity", "-Infinity", "1e400" })
            {
                var parse = root.Parse(path.Concat(new[] { option.Name, value }).ToArray());
                Assert.Contains(parse.Errors, e => e.Message.StartsWith(option.Name + " must be", StringComparison.Ordinal) && e.Message.EndsWith($"found '{value}'", StringComparison.Ordinal));
            }
        }
        Assert.Equal(new[] { "compare --dense-q", "compare --routing-skew", "place --cpu-tflops", "place --expert-budget-gb", "plan --routing-skew", "predict --acceptance", "predict --routing-skew",
            "predict --tpot-slo-ms", "run --temperature", "serve --routing-skew", "sweep --routing-skew", "sweep --tpot-slo-ms" }, found.OrderBy(x => x, StringComparer.Ordinal));
    }

    private static IEnumerable<(string[] Path, Option Option)> FloatOptions(Command command, string[] path)
    {
        foreach (var o in command.Options.Where(o => o.ValueType == typeof(double) || o.ValueType == typeof(double?) || o.ValueType == typeof(float)))
            yield return (path, o);
        foreach (var sub in command.Subcommands)
            foreach (var x in FloatOptions(sub, path.Append(sub.Name).ToArray())) yield return x;
    }

    // Routing statistics with counts near 2^62 overflowed into an internal error (GD0899).
    [Fact]
    public void Routing_counts_near_2_62_are_refused()
    {
        var layer = "{\"tokens\": 4611686018427387904, \"expert_tokens\": [4611686018427387904, 4611686018427387904, 0, 0, 0, 0, 0, 0]}";
        var path = Write("huge-routing.json", "{\"experts\": 8, \"top_k\": 2, \"layers\": [" + string.Join(", ", Enumerable.Repeat(layer, 3)) + "]}");
        var predict = CliRunner.Run("predict", "samples/tiny-moe.moe", "--hardware", "h100-sxm", "--routing", path);
        AssertError(predict, 1, $"graphdsl: error GD0607: --routing {path}: layer 0 (layer 0): 4611686018427387904 tokens is more than the limit of 1099511627776 (2^40)");
        var place = CliRunner.Run("place", "samples/tiny-moe.moe", "--gpus", "2", "--stats", path);
        AssertError(place, 1, $"graphdsl: error GD0607: --stats {path}: layer 2 (layer 2): 4611686018427387904 tokens is more than the limit of 1099511627776 (2^40)");
        // Within the token limit, loads whose sum overflows a long are named, not summed into an exception.
        var overflow = "{\"tokens\": 1024, \"expert_tokens\": [9223372036854775807, 9223372036854775807, 0, 0, 0, 0, 0, 0]}";
        var path2 = Write("overflow-routing.json", "{\"experts\": 8, \"top_k\": 2, \"layers\": [" + string.Join(", ", Enumerable.Repeat(overflow, 3)) + "]}");
        AssertError(CliRunner.Run("place", "samples/tiny-moe.moe", "--gpus", "2", "--stats", path2), 1,
            $"graphdsl: error GD0607: --stats {path2}: layer 0 (layer 0): expert loads sum to more than 2^63, not tokens x top_k = 2048");
    }

    private static readonly string Header = string.Join(",", GraphDsl.Backends.CostModel.Validation.Measurement.Columns);
    private const string Row = "X1,llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,BATCH,5,200,decode_tokens_per_s,VALUE,tokens/s,gpt-fast,C,https://example.org,";

    // validate accepted NaN, infinite, zero or negative values and batch 0 (MAPE NaN%, exit 0); an empty CSV was GD0899.
    [Theory]
    [InlineData("1", "NaN", "2:79: error GD0610: row 1 (X1): value 'NaN' is not a positive finite number")]
    [InlineData("1", "Infinity", "2:79: error GD0610: row 1 (X1): value 'Infinity' is not a positive finite number")]
    [InlineData("1", "0", "2:79: error GD0610: row 1 (X1): value '0' is not a positive finite number")]
    [InlineData("1", "-5", "2:79: error GD0610: row 1 (X1): value '-5' is not a positive finite number")]
    // 1e-308 made the relative error overflow: MAPE Infinity%, exit 0.
    [InlineData("1", "1e-308", "2:79: error GD0610: row 1 (X1): value '1e-308' is beyond any published figure (from 0.000001 to 1000000000000)")]
    [InlineData("1", "1e13", "2:79: error GD0610: row 1 (X1): value '1e13' is beyond any published figure (from 0.000001 to 1000000000000)")]
    [InlineData("0", "104.9", "2:51: error GD0610: row 1 (X1): batch '0' is not an integer from 1 to 2147483648")]
    [InlineData("-8", "104.9", "2:51: error GD0610: row 1 (X1): batch '-8' is not an integer from 1 to 2147483648")]
    public void Validate_names_the_row_and_field_of_a_bad_measurement(string batch, string value, string error)
    {
        var path = Write("m-" + Guid.NewGuid().ToString("N") + ".csv", Header + "\n" + Row.Replace("BATCH", batch).Replace("VALUE", value) + "\n");
        AssertError(CliRunner.Run("validate", "--data", path), 1, path + ":" + error);
    }

    [Fact]
    public void Validate_names_the_row_and_field_of_a_bad_overlap()
    {
        var row = Row.Replace("BATCH", "1").Replace("VALUE", "104.9") + ",,tbo";
        var path = Write("m-" + Guid.NewGuid().ToString("N") + ".csv", Header + ",cuda_graphs,overlap\n" + row + "\n");
        AssertError(CliRunner.Run("validate", "--data", path), 1,
            path + $":2:{row.Length - 2}: error GD0610: row 1 (X1): overlap 'tbo' is not nanobatch:N with N from 2 to 64");
    }

    /// <summary>A row's model names a spec file in the samples folder, never a path: "../" in it used to make validate
    /// compile whatever .moe file the path reached.</summary>
    [Theory]
    [InlineData("../samples/llama-2-7b")]
    [InlineData("/etc/llama-2-7b")]
    [InlineData(".hidden")]
    public void Validate_reads_no_spec_outside_the_samples_folder(string model)
    {
        var row = Row.Replace("BATCH", "1").Replace("VALUE", "104.9").Replace("llama-2-7b", model);
        var path = Write("m-" + Guid.NewGuid().ToString("N") + ".csv", Header + "\n" + row + "\n");
        var r = CliRunner.Run("validate", "--data", path);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"no spec for model '{model}' among the samples", r.Out);
    }

    [Fact]
    public void Validate_of_an_empty_file_is_a_diagnostic()
    {
        var path = Write("empty.csv", "");
        AssertError(CliRunner.Run("validate", "--data", path), 1,
            path + ":1:1: error GD0610: the file is empty: expected a header row (" + Header + ")");
    }

    private static string Weights(string name, Func<string, float[], float[]> change)
    {
        var clean = Path.Combine(Dir, "clean.safetensors");
        if (!File.Exists(clean)) Assert.Equal(0, CliRunner.Run("weights", "init", "samples/tiny-dense.moe", "-o", clean).ExitCode);
        var path = Path.Combine(Dir, name);
        using (var file = SafetensorsFile.Open(clean))
            SafetensorsWriter.Write(path, file.Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape, change(t.Name, file.ReadFloat32(t.Name)))).ToList());
        return path;
    }

    private static float[] Set(float[] values, float value, int count)
    {
        for (int i = 0; i < count; i++) values[i] = value;
        return values;
    }

    // NaN or infinite weights passed weights check; run then failed with GD0899 "every logit is NaN".
    [Fact]
    public void NaN_weights_are_an_error_of_weights_check_and_of_run()
    {
        var path = Weights("nan.safetensors", (name, v) => name == "embed" ? Set(v, float.NaN, v.Length) : v);
        var check = CliRunner.Run("weights", "check", "samples/tiny-dense.moe", "--weights", path);
        Assert.Equal(1, check.ExitCode);
        Assert.Equal("graphdsl: error GD0706: tensor 'embed': 65536 of 65536 values are NaN or infinite, the first at index 0\n", check.Err.Replace("\r", ""));

        var run = CliRunner.Run("run", "samples/tiny-dense.moe", "--weights", path, "--prompt-tokens", "1,2,3", "--max-new", "2");
        AssertError(run, 1, "graphdsl: error GD0706: logits of step 0 (no token can be chosen; see graphdsl weights check): 512 of 512 values are NaN or infinite, the first at index 0");
    }

    // Weights of 3e38 printed tokens with no warning.
    [Fact]
    public void Extreme_and_infinite_weights_are_reported_per_tensor()
    {
        var path = Weights("extreme.safetensors", (name, v) =>
            name == "embed" ? Set(v, float.PositiveInfinity, 3) : name == "layers.1.ffn.w_up" ? Set(v, 3e38f, 10) : v);
        var check = CliRunner.Run("weights", "check", "samples/tiny-dense.moe", "--weights", path);
        Assert.Equal(1, check.ExitCode);
        Assert.Equal("graphdsl: error GD0706: tensor 'embed': 3 of 65536 values are NaN or infinite, the first at index 0\n" +
            "graphdsl: warning GD0707: tensor 'layers.1.ffn.w_up': 10 of 32768 values exceed 1E+4 in magnitude, the largest 3E+38; arithmetic on them overflows\n",
            check.Err.Replace("\r", ""));
    }

    [Fact]
    public void Run_warns_when_the_logits_say_nothing()
    {
        // Every embedding 3e38: the norms overflow to zero and every logit is 0, so the tokens are arbitrary.
        var path = Weights("flat.safetensors", (name, v) => name == "embed" ? Set(v, 3e38f, v.Length) : v);
        var run = CliRunner.Run("run", "samples/tiny-dense.moe", "--weights", path, "--prompt-tokens", "1,2,3", "--max-new", "2");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("graphdsl: warning GD0708: logits of step 0 (2 of 2 steps): all 512 values are equal (0), so the tokens chosen there say little about the model\n",
            run.Err.Replace("\r", ""));
    }
}
