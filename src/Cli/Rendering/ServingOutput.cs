using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving;
using GraphDsl.Backends.Serving.Metrics;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Cli.Commands;

namespace GraphDsl.Cli.Rendering;

/// <summary>What a serve run was: model, cluster, deployment, profile (and whether decode replays CUDA graphs), traffic and
/// scheduler (with its limits).</summary>
internal sealed record ServingHeader(string Model, ClusterChoice Cluster, string Deployment, string Profile, WorkloadSpec Workload,
    string Scheduler, SloSpec? Slo, ulong Seed, long Requests, bool CudaGraphs = true)
{
    /// <summary>The profile as tables show it, with "CUDA graphs off" when they are.</summary>
    public string ProfileLabel => GraphDsl.Backends.CostModel.Inputs.EfficiencyProfile.LabelFor(Profile, CudaGraphs);
}

/// <summary>`serve` as a table (benchmark_serving's layout), JSON (the metrics at the top level, named as benchmark_serving's)
/// or CSV (one header line and one row, distributions flattened as ttft_ms_p50).</summary>
internal static class ServingOutput
{
    /// <summary>The metrics in order, each with its JSON name: the flat figures, then the distributions.</summary>
    private static IEnumerable<(string Name, double? Value)> Figures(ServingRun run)
    {
        var m = run.Report;
        yield return ("completed", m.Completed);
        yield return ("rejected", m.Rejected);
        yield return ("duration_s", m.DurationSeconds);
        yield return ("input_tokens", m.InputTokens);
        yield return ("output_tokens", m.OutputTokens);
        yield return ("request_throughput", m.RequestThroughput);
        yield return ("output_tokens_per_s", m.OutputTokensPerSecond);
        yield return ("total_tokens_per_s", m.TotalTokensPerSecond);
        yield return ("output_tokens_per_s_per_gpu", m.OutputTokensPerSecondPerGpu);
        yield return ("output_tokens_per_s_per_user", m.OutputTokensPerSecondPerUser);
        yield return ("goodput_requests_per_s", m.GoodputRequestsPerSecond);
        yield return ("preemptions", m.Preemptions);
        yield return ("steps", m.Steps);
        yield return ("mean_batch", m.MeanBatch);
        yield return ("kv_utilization", m.KvUtilization);
        yield return ("kv_peak_utilization", m.KvPeakUtilization);
        yield return ("kv_blocks", m.KvBlocks);
        yield return ("kv_block_tokens", m.KvBlockTokens);
        yield return ("prefix_cache_hit_rate", m.PrefixCacheHitRate);
        yield return ("prefix_cache_hits", m.PrefixCacheHits);
        yield return ("prefix_cache_hit_tokens", m.PrefixCacheHitTokens);
        yield return ("prefix_cache_evictions", m.PrefixCacheEvictions);
    }

    private static IEnumerable<(string Name, Distribution Value)> Latencies(ServingRun run)
    {
        yield return ("ttft_ms", run.Report.TtftMs);
        yield return ("tpot_ms", run.Report.TpotMs);
        yield return ("itl_ms", run.Report.ItlMs);
        yield return ("e2e_ms", run.Report.E2eMs);
    }

    public static string Json(ServingHeader h, ServingRun run) => Rendering.Json.Write(w =>
    {
        w.WriteString("model", h.Model);
        w.Object("hardware", () =>
        {
            w.WriteString("device", h.Cluster.Cluster.Device.Id);
            w.Number("gpus", h.Cluster.Cluster.Gpus);
            w.Number("nodes", h.Cluster.Cluster.Nodes);
        });
        w.WriteString("deployment", h.Deployment);
        w.WriteString("profile", h.Profile);
        w.WriteString("cuda_graphs", h.CudaGraphs ? "on" : "off");
        w.WriteString("workload", h.Workload.ToString());
        w.WriteString("scheduler", h.Scheduler);
        if (h.Slo is { } slo)
            w.Object("slo", () =>
            {
                if (slo.TtftMs is { } t) w.Number("ttft_ms", t);
                if (slo.TpotMs is { } p) w.Number("tpot_ms", p);
            });
        w.Number("seed", h.Seed);
        w.Number("requests", h.Requests);
        foreach (var (name, value) in Figures(run))
        {
            if (value is { } v) w.Number(name, v);
            else w.WriteNull(name);
        }
        foreach (var (name, d) in Latencies(run))
            w.Object(name, () => { w.Number("mean", d.Mean); w.Number("p50", d.P50); w.Number("p90", d.P90); w.Number("p99", d.P99); });
        w.Number("time_series_interval_s", run.Report.TimeSeriesIntervalSeconds);
        w.WriteStartArray("time_series");
        foreach (var p in run.Report.TimeSeries)
        {
            w.WriteStartObject();
            foreach (var (name, value) in Point(p)) w.Number(name, value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>One interval of the time series, each figure with its JSON and CSV name.</summary>
    private static IEnumerable<(string Name, double Value)> Point(TimePoint p)
    {
        yield return ("t_s", p.StartSeconds);
        yield return ("running", p.Running);
        yield return ("waiting", p.Waiting);
        yield return ("batch", p.Batch);
        yield return ("kv_utilization", p.KvUtilization);
        yield return ("output_tokens_per_s", p.OutputTokensPerSecond);
        yield return ("prefill_tokens_per_s", p.PrefillTokensPerSecond);
        yield return ("completed", p.Completed);
    }

    /// <summary>The time series as CSV (<c>--time-series FILE.csv</c>): a header and one row per interval.</summary>
    public static string TimeSeriesCsv(ServingRun run)
    {
        var sb = new StringBuilder(string.Join(",", Point(default).Select(f => f.Name))).Append('\n');
        foreach (var p in run.Report.TimeSeries) sb.Append(string.Join(",", Point(p).Select(f => D(f.Value)))).Append('\n');
        return sb.ToString();
    }

    public static string Csv(ServingHeader h, ServingRun run)
    {
        var columns = new List<(string, string)>
        {
            ("model", h.Model), ("device", h.Cluster.Cluster.Device.Id), ("gpus", I(h.Cluster.Cluster.Gpus)), ("deployment", h.Deployment),
            ("profile", h.ProfileLabel), ("workload", h.Workload.ToString()), ("scheduler", h.Scheduler), ("seed", h.Seed.ToString(CultureInfo.InvariantCulture)),
        };
        columns.AddRange(Figures(run).Select(f => (f.Name, f.Value is { } v ? D(v) : "")));
        foreach (var (name, d) in Latencies(run))
            columns.AddRange(new[] { ($"{name}_mean", D(d.Mean)), ($"{name}_p50", D(d.P50)), ($"{name}_p90", D(d.P90)), ($"{name}_p99", D(d.P99)) });
        return new Csv(columns.Select(c => c.Item1)).Row(columns.Select(c => (object?)c.Item2)).ToString();
    }

    public static string Table(ServingHeader h, ServingRun run)
    {
        var m = run.Report;
        var sb = new StringBuilder();
        sb.AppendLine($"{h.Model} on {h.Cluster.Cluster.Gpus} x {h.Cluster.Cluster.Device.Id} ({h.Cluster.Describe()}), {h.Deployment}, profile {h.ProfileLabel}");
        sb.AppendLine($"workload {h.Workload}, {h.Requests} request(s), seed {h.Seed}; scheduler {h.Scheduler}");
        sb.AppendLine($"KV cache: {m.KvBlocks} blocks of {m.KvBlockTokens} tokens ({run.Kv.TokenCapacity} tokens; {run.Kv.BytesPerToken / 1e3:F1} KB per token per GPU)");
        sb.AppendLine();
        void Row(string label, string value) => sb.AppendLine($"  {label,-36} {value,14}");
        Row("Successful requests", I(m.Completed));
        if (m.Rejected > 0) Row("Rejected requests (too long)", I(m.Rejected));
        Row("Duration (s)", F(m.DurationSeconds));
        Row("Total input tokens", I(m.InputTokens));
        Row("Total generated tokens", I(m.OutputTokens));
        Row("Request throughput (req/s)", F(m.RequestThroughput));
        if (m.GoodputRequestsPerSecond is { } g) Row("Request goodput (req/s)", F(g));
        Row("Output token throughput (tok/s)", F(m.OutputTokensPerSecond));
        Row("Total token throughput (tok/s)", F(m.TotalTokensPerSecond));
        Row("Output tokens/s per GPU", F(m.OutputTokensPerSecondPerGpu));
        Row("Output tokens/s per user", F(m.OutputTokensPerSecondPerUser));
        Row("Engine steps", I(m.Steps));
        Row("Mean batch (sequences per step)", F(m.MeanBatch));
        Row("KV cache utilisation (mean, peak)", $"{m.KvUtilization * 100:F1}%, {m.KvPeakUtilization * 100:F1}%");
        Row("Preemptions (recomputed)", I(m.Preemptions));
        if (m.PrefixCacheHitRate is { } hitRate)
        {
            Row("Prefix cache hit rate (tokens)", $"{hitRate * 100:F1}%");
            Row("Prefix cache hits (requests)", I(m.PrefixCacheHits!.Value));
            Row("Prefix cache evictions", I(m.PrefixCacheEvictions!.Value));
        }
        Row($"Time series ({m.TimeSeriesIntervalSeconds:G} s intervals)", $"{m.TimeSeries.Count} points");
        sb.AppendLine();
        sb.AppendLine($"  {"latency (ms)",-12} {"mean",12} {"p50",12} {"p90",12} {"p99",12}");
        foreach (var (name, d) in Latencies(run))
            sb.AppendLine($"  {name.Replace("_ms", "").ToUpperInvariant(),-12} {F(d.Mean),12} {F(d.P50),12} {F(d.P90),12} {F(d.P99),12}");
        return sb.ToString();
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string F(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";
    private static string D(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
