using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using GraphDsl.Cli.Rendering;

namespace GraphDsl.Cli.Tests;

/// <summary>`--format csv` on every command that prints a table: the exact header, and one row checked cell by cell
/// (exactly where the figures do not come from the cost model's constants; against the same command's JSON where they
/// do, so a change of a constant moves both), all through the one writer (<see cref="Csv"/>).</summary>
[Collection(nameof(CliCollection))]
public class CsvFormatTests
{
    private static readonly string[] TinyPredict = { "predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--prompt", "16", "--context", "32" };

    [Fact]
    public void The_writer_quotes_as_rfc_4180_says_and_writes_numbers_in_the_invariant_culture()
    {
        var text = new Csv(new[] { "a", "b,c", "d" })
            .Row("x,y", "say \"hi\"", "two\nlines")
            .Row(" padded", 1.5, double.NaN)
            .Row(true, null, 12345678901L)
            .Row(new Csv.Quoted(""), 1e-5, -0.25)
            .ToString();
        Assert.Equal("a,\"b,c\",d\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\" padded\",1.5,\ntrue,,12345678901\n\"\",1E-05,-0.25\n", text);
        Assert.Throws<ArgumentException>(() => new Csv(new[] { "a", "b" }).Row("only one"));
    }

    [Fact]
    public void Predict_csv_is_the_json_s_figures_in_one_row_with_the_formats_in_effect()
    {
        var (header, row) = OneRow(CliRunner.Run([.. TinyPredict, "--format", "csv"]));
        Assert.Equal("model,hardware,gpus,nodes,tp,ep,dp,pp,redundant_experts,moe_comm,weights,kv,profile,batch,prompt,context,feasible,max_batch," +
                     "ttft_ms,prefill_batch_ms,tpot_ms,serial_tpot_ms,tokens_per_s,tokens_per_s_per_gpu,weights_gb,kv_gb,activations_gb,reserve_gb,free_gb,capacity_gb", header);
        Assert.Equal("TinyDense,h100-sxm,1,1,1,1,1,1,0,auto,f32,f32,default,1,16,32,true", string.Join(",", row.Take(17)));
        var json = JsonDocument.Parse(CliRunner.Run([.. TinyPredict, "--format", "json"]).Out).RootElement;
        var cells = header.Split(',').Zip(row).ToDictionary(x => x.First, x => x.Second);
        Assert.Equal(json.GetProperty("max_batch").GetInt64().ToString(CultureInfo.InvariantCulture), cells["max_batch"]);
        foreach (var (column, path) in new[] { ("ttft_ms", "prefill.ttft_ms"), ("tpot_ms", "decode.tpot_ms"), ("tokens_per_s", "decode.tokens_per_s"), ("weights_gb", "memory.weights_gb"), ("free_gb", "memory.free_gb") })
            Assert.Equal(Get(json, path), double.Parse(cells[column], CultureInfo.InvariantCulture));
        // The table's header names the spec's formats where none was asked for, and the asked-for one where it was.
        Assert.Contains("weights f32 (spec), kv f32 (spec)", CliRunner.Run(TinyPredict).Out);
        Assert.Contains("weights fp8, kv f32 (spec)", CliRunner.Run([.. TinyPredict, "--weights", "fp8"]).Out);
    }

    [Fact]
    public void Predict_csv_ops_has_every_op_of_both_steps_as_the_json_lists_them()
    {
        var r = CliRunner.Run([.. TinyPredict, "--format", "csv-ops"]);
        Assert.Equal(0, r.ExitCode);
        var lines = Lines(r.Out);
        Assert.Equal("phase,name,op,group,count,time_ms,share,flops,bytes,bound", lines[0]);
        var json = JsonDocument.Parse(CliRunner.Run([.. TinyPredict, "--format", "json"]).Out).RootElement;
        var first = json.GetProperty("ops").EnumerateArray().First();
        var row = lines[1].Split(',');
        Assert.Equal("decode", row[0]);
        Assert.Equal(first.GetProperty("name").GetString(), row[1]);
        Assert.Equal(first.GetProperty("time_ms").GetDouble(), double.Parse(row[5], CultureInfo.InvariantCulture));
        Assert.Contains(lines, l => l.StartsWith("prefill,", StringComparison.Ordinal));
        Assert.Equal(json.GetProperty("ops").GetArrayLength(), lines.Count(l => l.StartsWith("decode,", StringComparison.Ordinal)));
        Assert.Equal(json.GetProperty("prefill_ops").GetArrayLength(), lines.Count(l => l.StartsWith("prefill,", StringComparison.Ordinal)));
    }

    [Fact]
    public void Stats_csv_and_csv_layers_are_exact()
    {
        var (header, row) = OneRow(CliRunner.Run("stats", "samples/tiny-moe.moe", "--format", "csv"));
        Assert.Equal("model,params_total,params_active,params_active_excluding_embedding,params_embedding,weight_bytes,kv_bytes_per_token,kv_windowed_bytes," +
                     "prompt,prefill_flops_per_token,context,decode_flops_per_token", header);
        Assert.Equal("TinyMoe,1093760,651392,585856,65536,4375040,2048,0,2048,3364462.0391000174,4096,9900614.039100017", string.Join(",", row));
        var layers = Lines(CliRunner.Run("stats", "samples/tiny-moe.moe", "--format", "csv-layers").Out);
        Assert.Equal("group,count,moe,params_total,params_active,params_per_layer,prefill_flops_per_token,decode_flops_per_token,kv_bytes_per_token,kv_window_bytes_per_token", layers[0]);
        Assert.Contains("moe_layers,3,true,814848,372480,271616,2389220.0391000174,7291334.039100017,1536,0", layers);
    }

    [Fact]
    public void Compare_csv_has_a_row_per_model_and_csv_contexts_one_per_context()
    {
        string[] compare = { "compare", "samples/tiny-moe.moe", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "4", "--prompt", "64", "--context", "128", "--contexts", "1k,4k" };
        var r = CliRunner.Run([.. compare, "--format", "csv"]);
        Assert.Equal(0, r.ExitCode);
        var lines = Lines(r.Out);
        Assert.Equal("side,model,hardware,gpus,tp,ep,dp,pp,weights,kv,params_total,params_active,sparsity,feasible,max_batch,batch,prompt,context," +
                     "ttft_ms,prefill_batch_ms,tpot_ms,tokens_per_s,weights_gb,kv_gb", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("a,TinyMoe,h100-sxm,1,1,1,1,1,f32,f32,1093760,651392,", lines[1]);
        Assert.StartsWith("b,TinyDense,h100-sxm,1,1,1,1,1,f32,f32,", lines[2]);
        var json = JsonDocument.Parse(CliRunner.Run([.. compare, "--format", "json"]).Out).RootElement;
        Assert.Equal(json.GetProperty("a").GetProperty("tpot_ms").GetDouble(), double.Parse(lines[1].Split(',')[20], CultureInfo.InvariantCulture));
        var contexts = Lines(CliRunner.Run([.. compare, "--format", "csv-contexts"]).Out);
        Assert.Equal("context,max_batch_a,tokens_per_s_a,max_batch_b,tokens_per_s_b,a_disadvantaged", contexts[0]);
        Assert.Equal(new[] { "1024", "4096" }, contexts.Skip(1).Select(l => l.Split(',')[0]));
    }

    [Fact]
    public void Place_csv_has_a_row_per_moe_layer()
    {
        var stats = Path.Combine(Path.GetTempPath(), $"graphdsl-csv-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, CliRunner.Run("route-stats", "samples/tiny-moe.moe", "--synthetic", "zipf:1.2", "--seed", "7", "-o", stats).ExitCode);
            var r = CliRunner.Run("place", "samples/tiny-moe.moe", "--gpus", "2", "--stats", stats, "--format", "csv");
            Assert.Equal(0, r.ExitCode);
            var lines = Lines(r.Out);
            Assert.Equal("model,strategy,gpus,nodes,layer,busiest_gpu,max_over_mean,min_over_mean,a2a_intra_node_gb,a2a_inter_node_gb", lines[0]);
            Assert.Equal("TinyMoe,eplb,2,1,moe_layers.moe.0,0,1.05126953125,0.94873046875,0.008388608,0", lines[1]);
            Assert.Equal(4, lines.Length);
        }
        finally { File.Delete(stats); }
    }

    [Fact]
    public void Validate_csv_has_a_row_per_measurement_with_its_signed_error()
    {
        var r = CliRunner.Run("validate", "--data", "tests/Backends.CostModel.Tests/Data/measurements.csv", "--format", "csv");
        Assert.Equal(0, r.ExitCode);
        var lines = Lines(r.Out);
        Assert.Equal("id,use,model,hardware,gpus,tp,dp,ep,weights,batch,prompt,output,metric,measured,predicted,error,profile,not_predicted,served,served_error,served_scheduler,analytic,analytic_error", lines[0]);
        var row = lines.Single(l => l.StartsWith("GF01,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("GF01,C,llama-2-7b,a100-sxm-80gb,1,1,1,1,bf16,1,5,200,decode_tokens_per_s,104.9", string.Join(",", row.Take(14)));
        double predicted = double.Parse(row[14], CultureInfo.InvariantCulture), error = double.Parse(row[15], CultureInfo.InvariantCulture);
        Assert.Equal(predicted / 104.9 - 1, error, 1e-12);
        Assert.Equal("", row[17]);
        Assert.Equal(",,,,", string.Join(",", row.Skip(18)));
        // A closed-loop row, scored by serve: its prediction is serve's TPOT, with its signed error and the scheduler vLLM 0.7
        // ran (continuous, no chunked prefill), and the analytic formula's figure and error last.
        var served = lines.Single(l => l.StartsWith("DS10,", StringComparison.Ordinal)).Split(',');
        double tpot = double.Parse(served[18], CultureInfo.InvariantCulture), tpotError = double.Parse(served[19], CultureInfo.InvariantCulture);
        Assert.Equal(tpot / 25.72997376 - 1, tpotError, 1e-9);
        Assert.StartsWith("continuous{max_batch=256", served[20].Trim('"'));
        Assert.Equal(tpot, double.Parse(served[14], CultureInfo.InvariantCulture));
        double analytic = double.Parse(served[^2], CultureInfo.InvariantCulture), analyticError = double.Parse(served[^1], CultureInfo.InvariantCulture);
        Assert.Equal(analytic / 25.72997376 - 1, analyticError, 1e-9);
        Assert.NotEqual(tpot, analytic);
    }

    private static (string Header, string[] Row) OneRow(CliRunner.Result r)
    {
        Assert.Equal(0, r.ExitCode);
        var lines = Lines(r.Out);
        Assert.Equal(2, lines.Length);
        return (lines[0], lines[1].Split(','));
    }

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    private static double Get(JsonElement e, string path)
    {
        foreach (var name in path.Split('.')) e = e.GetProperty(name);
        return e.GetDouble();
    }
}
