using System;
using System.CommandLine;
using System.Linq;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using Spectre.Console;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl stats FILE</c>: parameters (total and active), FLOPs per token, KV bytes per token, per layer group.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe or .gir file" };
        var format = CommonOptions.Format("table", "table", "json", "csv", "csv-layers");
        var prompt = NumberOptions.Count("--prompt", "prompt length for prefill FLOPs per token", 2048);
        var context = NumberOptions.Count("--context", "tokens in the KV cache for decode FLOPs", 4096);
        var source = new SourceOptions();
        var pipeline = new PipelineOptions();
        var cmd = new Command("stats", "Report parameters (total and active), FLOPs per token and KV-cache bytes per token.") { file, format, prompt, context };
        source.AddTo(cmd);
        pipeline.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var diagnostics = new DiagnosticBag();
            var p = pipeline.Pipeline(r, diagnostics);
            long promptLen = r.GetValue(prompt), ctxLen = r.GetValue(context);
            if (p is null || diagnostics.HasErrors) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }
            var module = source.Load(r, r.GetValue(file)!);
            if (module is null) return ExitCodes.InputError;
            module = Driver.RunPipeline(module, p, pipeline.Instrumentation(r));
            if (module is null) return ExitCodes.InputError;
            var stats = ModelStats.Compute(module, promptLen, ctxLen);
            switch (r.GetValue(format))
            {
                case "json": Console.Out.Write(ToJson(stats)); break;
                case "csv": Console.Out.Write(ToCsv(stats)); break;
                case "csv-layers": Console.Out.Write(LayersCsv(stats)); break;
                default: WriteTable(stats); break;
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    public static string ToJson(ModelStats s) => Json.Write(w =>
    {
        w.WriteString("model", s.Model);
        w.Object("params", () =>
        {
            w.Number("total", s.TotalParams);
            w.Number("active", s.ActiveParams);
            w.Number("active_excluding_embedding", s.ActiveParamsExcludingEmbedding);
            w.Number("embedding", s.EmbeddingParams);
        });
        w.Number("weight_bytes", s.WeightBytes);
        w.Number("kv_bytes_per_token", s.KvBytesPerToken);
        w.Number("kv_windowed_bytes", s.KvWindowedBytes);
        // Sliding-window caches hold at most their window: bytes per token while it fills, and that cap per sequence.
        w.WriteStartArray("kv_windows");
        foreach (var kw in s.KvWindows)
        {
            w.WriteStartObject();
            w.Number("window", kw.Window);
            w.Number("bytes_per_token", kw.BytesPerToken);
            w.Number("max_bytes_per_sequence", kw.MaxBytesPerSequence);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        // Recurrent state (state-space and linear-attention layers): per sequence, constant in the context.
        if (s.StateBytesPerSequence > 0) w.Number("state_bytes_per_sequence", s.StateBytesPerSequence);
        // Encoder-decoder models: the cross-attention keys and values computed at prefill, per source token.
        if (s.RequestCacheBytesPerToken > 0) w.Number("cross_attention_cache_bytes_per_token", s.RequestCacheBytesPerToken);
        w.Object("flops_per_token", () =>
        {
            w.Number("prefill", s.PrefillFlopsPerToken);
            w.Number("prompt", s.PromptTokens);
            w.Number("decode", s.DecodeFlopsPerToken);
            w.Number("context", s.Context);
        });
        w.WriteStartArray("layers");
        foreach (var g in s.Groups)
        {
            w.WriteStartObject();
            w.WriteString("name", g.Name);
            w.Number("count", g.Count);
            w.WriteBoolean("moe", g.HasExperts);
            w.Number("params_total", g.TotalParams);
            w.Number("params_active", g.ActiveParams);
            w.Number("params_per_layer", g.TotalParams / g.Count);
            w.Number("prefill_flops_per_token", g.PrefillFlopsPerToken);
            w.Number("decode_flops_per_token", g.DecodeFlopsPerToken);
            w.Number("kv_bytes_per_token", g.KvBytesPerToken);
            w.Number("kv_window_bytes_per_token", g.KvWindowBytesPerToken);
            if (s.StateBytesPerSequence > 0) w.Number("state_bytes_per_sequence", g.StateBytesPerSequence);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>The model's totals as one row: counts as plain numbers, bytes as bytes (the column names say which).</summary>
    public static string ToCsv(ModelStats s) => new Csv(new[]
        {
            "model", "params_total", "params_active", "params_active_excluding_embedding", "params_embedding", "weight_bytes",
            "kv_bytes_per_token", "kv_windowed_bytes", "prompt", "prefill_flops_per_token", "context", "decode_flops_per_token",
        })
        .Row(s.Model, s.TotalParams, s.ActiveParams, s.ActiveParamsExcludingEmbedding, s.EmbeddingParams, s.WeightBytes,
            s.KvBytesPerToken, s.KvWindowedBytes, s.PromptTokens, s.PrefillFlopsPerToken, s.Context, s.DecodeFlopsPerToken)
        .ToString();

    /// <summary>One row per layer group, as the table's second part.</summary>
    public static string LayersCsv(ModelStats s)
    {
        var csv = new Csv(new[]
        {
            "group", "count", "moe", "params_total", "params_active", "params_per_layer", "prefill_flops_per_token", "decode_flops_per_token",
            "kv_bytes_per_token", "kv_window_bytes_per_token",
        });
        foreach (var g in s.Groups)
            csv.Row(g.Name, g.Count, g.HasExperts, g.TotalParams, g.ActiveParams, g.TotalParams / g.Count, g.PrefillFlopsPerToken, g.DecodeFlopsPerToken,
                g.KvBytesPerToken, g.KvWindowBytesPerToken);
        return csv.ToString();
    }

    private static void WriteTable(ModelStats s)
    {
        var console = Terminal.Create();
        console.MarkupLine($"[bold]{Markup.Escape(s.Model)}[/]");
        var summary = new Table().Border(TableBorder.Rounded).AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        summary.AddRow("parameters, total", Units.Count(s.TotalParams));
        summary.AddRow("parameters, active per token", Units.Count(s.ActiveParams));
        summary.AddRow("  active without input embedding", Units.Count(s.ActiveParamsExcludingEmbedding));
        summary.AddRow("weights as stored", Units.Bytes(s.WeightBytes));
        summary.AddRow(s.KvWindows.Count > 0 ? "KV cache per token, full-context layers" : "KV cache per token", Units.Bytes(s.KvBytesPerToken));
        foreach (var kw in s.KvWindows)
        {
            summary.AddRow($"KV cache per token, {kw.Window}-token sliding windows", Units.Bytes(kw.BytesPerToken));
            summary.AddRow($"  at most, per sequence (capped at {kw.Window} tokens)", Units.Bytes(kw.MaxBytesPerSequence));
        }
        if (s.StateBytesPerSequence > 0) summary.AddRow("recurrent state per sequence (any context)", Units.Bytes(s.StateBytesPerSequence));
        if (s.RequestCacheBytesPerToken > 0) summary.AddRow("cross-attention cache per token (computed at prefill)", Units.Bytes(s.RequestCacheBytesPerToken));
        summary.AddRow($"FLOPs per token, prefill of {s.PromptTokens}", Units.Count(s.PrefillFlopsPerToken));
        summary.AddRow($"FLOPs per token, decode at context {s.Context}", Units.Count(s.DecodeFlopsPerToken));
        console.Write(summary);
        var layers = new Table().Border(TableBorder.Rounded)
            .AddColumn("group").AddColumn(new TableColumn("count").RightAligned()).AddColumn(new TableColumn("params").RightAligned())
            .AddColumn(new TableColumn("active").RightAligned()).AddColumn(new TableColumn("prefill FLOPs/tok").RightAligned())
            .AddColumn(new TableColumn("decode FLOPs/tok").RightAligned()).AddColumn(new TableColumn("KV/token").RightAligned());
        // Windowed caches get their own column (per token while the window fills), so they never read as 0 B.
        bool windowed = s.KvWindows.Count > 0;
        if (windowed) layers.AddColumn(new TableColumn("window KV/token").RightAligned());
        bool recurrent = s.StateBytesPerSequence > 0;
        if (recurrent) layers.AddColumn(new TableColumn("state/sequence").RightAligned());
        foreach (var g in s.Groups)
        {
            var cells = new System.Collections.Generic.List<string>
            {
                Markup.Escape(g.Name + (g.HasExperts ? " (MoE)" : "")), g.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Units.Count(g.TotalParams), Units.Count(g.ActiveParams), Units.Count(g.PrefillFlopsPerToken), Units.Count(g.DecodeFlopsPerToken),
                Units.Bytes(g.KvBytesPerToken),
            };
            if (windowed) cells.Add(Units.Bytes(g.KvWindowBytesPerToken));
            if (recurrent) cells.Add(Units.Bytes(g.StateBytesPerSequence));
            layers.AddRow(cells.ToArray());
        }
        console.Write(layers);
    }
}
