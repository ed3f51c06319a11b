using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Backends.Serving.Specs;

namespace GraphDsl.Cli.Rendering;

/// <summary>What a plan searched: the model, traffic and SLO, requests per candidate, the clusters, the simulation limit
/// and how long the search took.</summary>
internal sealed record PlanHeader(string Model, WorkloadSpec Workload, SloSpec Slo, long Requests, ulong Seed, string Clusters, int SimulateLimit, double Seconds)
{
    /// <summary>The spec's own formats, which a candidate that keeps them is shown in.</summary>
    public SpecFormats Formats { get; init; } = new("keep", "keep");
}

/// <summary>`plan` as a table (the front, the best plan, the rivals), JSON (<c>pareto</c>, <c>best</c>, <c>rivals</c>,
/// <c>simulated</c>, each point with output_tokens_per_s_per_gpu, output_tokens_per_s_per_user and its configuration) or
/// CSV (one row per simulated candidate, marked when on the front or best).</summary>
internal static class PlanOutput
{
    public static string Slo(SloSpec slo) =>
        "the SLO (" + string.Join(", ", new[] { slo.TtftMs is { } t ? $"TTFT p90 <= {t:G} ms" : null, slo.TpotMs is { } p ? $"TPOT p90 <= {p:G} ms" : null }.OfType<string>()) + ")";

    public static string Table(PlanHeader h, PlanResult result, SloSpec slo)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"plan for {h.Model} serving {h.Workload}, {Slo(slo)}");
        sb.AppendLine($"search: {result.Deployments} deployment(s) on {h.Clusters}; {result.Screened} candidate(s) screened with the step model, {result.Fitting} fit; " +
                      $"{result.Simulated.Count} simulated (at most {h.SimulateLimit}) with {h.Requests} request(s) each, seed {h.Seed}; {h.Seconds:F1} s");
        sb.AppendLine();
        sb.AppendLine($"Pareto front ({result.Pareto.Count} point(s), output tokens/s per GPU against per user):");
        Header(sb);
        foreach (var p in result.Pareto) Row(sb, p, slo, h.Formats);
        sb.AppendLine();
        if (result.Best is { } best)
        {
            sb.AppendLine("best plan meeting the SLO (most output tokens/s per GPU):");
            Header(sb);
            Row(sb, best, slo, h.Formats);
        }
        else sb.AppendLine("no simulated plan meets the SLO");
        sb.AppendLine();
        sb.AppendLine(result.Best is null ? "the candidates and why each missed:" : "why the nearest rivals lost:");
        foreach (var rival in result.Rivals) sb.AppendLine($"  {Describe(rival.Candidate, h.Formats)}: {rival.Reason}");
        return sb.ToString();
    }

    private static void Header(StringBuilder sb) =>
        sb.AppendLine($"  {"tok/s/GPU",10} {"tok/s/user",10} {"TTFT p90",10} {"TPOT p90",9} {"SLO",4}  deployment");

    private static void Row(StringBuilder sb, Simulated s, SloSpec slo, SpecFormats formats)
    {
        var m = s.Report!;
        sb.AppendLine($"  {F(m.OutputTokensPerSecondPerGpu),10} {F(m.OutputTokensPerSecondPerUser),10} {F(m.TtftMs.P90),10} {F(m.TpotMs.P90),9} {(s.Meets(slo) ? "yes" : "no"),4}  {Describe(s.Candidate, formats)}");
    }

    /// <summary>"8 x h200-sxm aggregated tp=8 ep=8 dp=1 pp=1 weights=fp8 kv=bf16 (spec) chunked{...}": the candidate with the formats in effect.</summary>
    private static string Describe(PlanCandidate c, SpecFormats formats) =>
        $"{c.Cluster.Gpus} x {c.Cluster.Device.Id} {c.Kind.ToString().ToLowerInvariant()} {formats.Describe(c.Deployment)} {c.Scheduler}";

    public static string Json(PlanHeader h, PlanResult result, SloSpec slo) => Rendering.Json.Write(w =>
    {
        w.WriteString("model", h.Model);
        w.WriteString("workload", h.Workload.ToString());
        w.Object("slo", () =>
        {
            if (slo.TtftMs is { } t) w.Number("ttft_ms", t);
            if (slo.TpotMs is { } p) w.Number("tpot_ms", p);
            w.WriteString("percentile", "p90");
        });
        w.Object("search", () =>
        {
            w.WriteString("clusters", h.Clusters);
            w.Number("deployments", result.Deployments);
            w.Number("screened", result.Screened);
            w.Number("fitting", result.Fitting);
            w.Number("simulated", result.Simulated.Count);
            w.Number("simulate_limit", h.SimulateLimit);
            w.Number("requests_per_candidate", h.Requests);
            w.Number("seed", h.Seed);
            w.Number("seconds", h.Seconds);
        });
        w.WriteStartArray("pareto");
        foreach (var p in result.Pareto) Point(w, p, slo);
        w.WriteEndArray();
        w.WritePropertyName("best");
        if (result.Best is { } best) Point(w, best, slo);
        else w.WriteNullValue();
        w.WriteStartArray("rivals");
        foreach (var r in result.Rivals)
        {
            w.WriteStartObject();
            Configuration(w, r.Candidate);
            w.WriteString("reason", r.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("simulated");
        foreach (var s in result.Simulated.Where(s => s.HasFigures)) Point(w, s, slo);
        w.WriteEndArray();
    });

    private static void Point(Utf8JsonWriter w, Simulated s, SloSpec slo)
    {
        var m = s.Report!;
        w.WriteStartObject();
        w.Number("output_tokens_per_s_per_gpu", m.OutputTokensPerSecondPerGpu);
        w.Number("output_tokens_per_s_per_user", m.OutputTokensPerSecondPerUser);
        w.Number("request_throughput", m.RequestThroughput);
        w.WriteBoolean("meets_slo", s.Meets(slo));
        w.Object("ttft_ms", () => { w.Number("p50", m.TtftMs.P50); w.Number("p90", m.TtftMs.P90); w.Number("p99", m.TtftMs.P99); });
        w.Object("tpot_ms", () => { w.Number("p50", m.TpotMs.P50); w.Number("p90", m.TpotMs.P90); w.Number("p99", m.TpotMs.P99); });
        if (s.Screened.Estimate is { } e)
            w.Object("screen", () => { w.Number("output_tokens_per_s_per_gpu", e.OutputTokensPerSecondPerGpu); w.Number("output_tokens_per_s_per_user", e.OutputTokensPerSecondPerUser); });
        Configuration(w, s.Candidate);
        w.WriteEndObject();
    }

    private static void Configuration(Utf8JsonWriter w, PlanCandidate c)
    {
        var d = c.Deployment;
        w.WriteString("kind", c.Kind.ToString().ToLowerInvariant());
        w.WriteString("device", c.Cluster.Device.Id);
        w.Number("gpus", c.Gpus);
        w.Number("nodes", c.Cluster.Nodes);
        if (c.DecodeDeployment is { } decode)
        {
            // Disaggregated: each kind of instance with its layout and count; no engine-wide tp/ep/dp/pp.
            Instance(w, "prefill", d, c.Scheduler.Prefill!.Count);
            Instance(w, "decode", decode, c.Scheduler.Decode!.Count);
        }
        else Layout(w, d);
        w.WriteString("moe_comm", d.Layout.MoeCommName);
        w.WriteString("weights", d.Weights);
        w.WriteString("kv", d.Kv);
        w.WriteString("scheduler", c.Scheduler.ToString());
        if (c.Scheduler.MaxBatch is { } b) w.Number("max_batch", b);
        if (c.Scheduler.Budget is { } t) w.Number("budget", t);
    }

    private static void Instance(Utf8JsonWriter w, string role, GraphDsl.Backends.CostModel.Inputs.Deployment d, int count) => w.Object(role, () =>
    {
        w.Number("instances", count);
        w.Number("gpus_per_instance", d.Layout.Gpus);
        Layout(w, d);
    });

    /// <summary>An engine's (or an instance's) layout: tp, ep, dp, pp and its redundant expert slots.</summary>
    private static void Layout(Utf8JsonWriter w, GraphDsl.Backends.CostModel.Inputs.Deployment d)
    {
        w.Number("tp", d.Layout.Tp);
        w.Number("ep", d.Layout.Ep);
        w.Number("dp", d.Layout.Dp);
        w.Number("pp", d.Layout.Pp);
        w.Number("redundant_experts", d.Layout.Redundant);
    }

    /// <summary>One row per simulated candidate. Aggregated rows fill tp..redundant_experts; disaggregated rows leave them
    /// empty and give each kind of instance as a layout and count (<c>tp8ep8x2</c>) in prefill and decode.</summary>
    public static string Csv(PlanHeader h, PlanResult result, SloSpec slo)
    {
        var csv = new Csv(new[]
        {
            "kind", "device", "gpus", "nodes", "tp", "ep", "dp", "pp", "redundant_experts", "prefill", "decode", "weights", "kv", "scheduler",
            "output_tokens_per_s_per_gpu", "output_tokens_per_s_per_user", "ttft_ms_p90", "tpot_ms_p90", "meets_slo", "pareto", "best",
        });
        foreach (var s in result.Simulated.Where(s => s.HasFigures))
        {
            var c = s.Candidate; var d = c.Deployment; var m = s.Report!;
            bool agg = c.DecodeDeployment is null;
            int? L(int v) => agg ? v : null;
            csv.Row(c.Kind.ToString().ToLowerInvariant(), c.Cluster.Device.Id, c.Gpus, c.Cluster.Nodes, L(d.Layout.Tp), L(d.Layout.Ep), L(d.Layout.Dp), L(d.Layout.Pp),
                L(d.Layout.Redundant), c.Scheduler.Prefill?.ToString() ?? "", c.Scheduler.Decode?.ToString() ?? "",
                SpecFormats.Actual(d.Weights, h.Formats.Weights), SpecFormats.Actual(d.Kv, h.Formats.Kv), new Csv.Quoted(c.Scheduler.ToString()!),
                m.OutputTokensPerSecondPerGpu, m.OutputTokensPerSecondPerUser, m.TtftMs.P90, m.TpotMs.P90,
                s.Meets(slo), result.Pareto.Contains(s), result.Best == s);
        }
        return csv.ToString();
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string F(double v) => double.IsFinite(v) ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";
    private static string D(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
