using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using Spectre.Console;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// <c>graphdsl sweep FILE --hardware h100-sxm,h200-sxm --gpus 8 --batch 1,8,64,256 --context 4k,32k,128k --tp 1,2,4,8</c>:
/// every combination, each deployment compiled once; CSV or JSON; the best feasible configuration
/// (most decode tokens/s per GPU, within the TPOT SLO when one is given) is marked.
/// </summary>
internal static class SweepCommand
{
    /// <summary>
    /// The most rows a sweep may produce (pipelines x layouts x devices x prompts x contexts x batches). Every
    /// row is kept until the best is known: a million rows of Llama 3 8B take about 4 s, 0.75 GB of memory
    /// and 130 MB of CSV, so the limit keeps a mistyped list (or a long generated one) from exhausting memory.
    /// The candidate layouts (weights x kv x dp x pp x ep x tp, before those not using exactly --gpus are
    /// dropped) are bounded by the same number, so enumerating them stays cheap.
    /// </summary>
    public const long MaxSweepPoints = 1_000_000;

    /// <summary>
    /// The most (pipeline, layout) pairs a sweep compiles. Each runs the whole pass pipeline (about 10 ms for
    /// DeepSeek-V3), so this bounds compilation to a minute or so; real sweeps compile a few hundred.
    /// </summary>
    public const long MaxSweepDeployments = 4096;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe file" };
        var hardware = new Option<string>("--hardware") { Description = "device ids, comma-separated", Required = true };
        var hardwareFile = new Option<string[]>("--hardware-file") { Description = "JSON file of extra devices" };
        var gpus = new Option<int>("--gpus") { Description = "GPUs in total", DefaultValueFactory = _ => 1 };
        var nodes = new Option<int>("--nodes") { Description = "nodes the GPUs are spread over", DefaultValueFactory = _ => 1 };
        var batch = new Option<string>("--batch") { Description = "batches (whole deployment), comma-separated", DefaultValueFactory = _ => "1,8,64,256" };
        var context = new Option<string>("--context") { Description = "contexts, comma-separated, e.g. 4k,32k,128k", DefaultValueFactory = _ => "4k" };
        var prompt = new Option<string>("--prompt") { Description = "prompt length for prefill", DefaultValueFactory = _ => "2048" };
        var tp = new Option<string?>("--tp") { Description = "tensor-parallel sizes (default: gpus / (dp x pp))" };
        var ep = new Option<string>("--ep") { Description = "expert-parallel sizes", DefaultValueFactory = _ => "1" };
        var dp = new Option<string>("--dp") { Description = "data-parallel attention sizes", DefaultValueFactory = _ => "1" };
        var pp = new Option<string>("--pp") { Description = "pipeline sizes", DefaultValueFactory = _ => "1" };
        var weights = new Option<string>("--weights") { Description = "weight formats, comma-separated", DefaultValueFactory = _ => "keep" };
        var kv = new Option<string>("--kv") { Description = "KV formats, comma-separated", DefaultValueFactory = _ => "keep" };
        var slo = NumberOptions.Float("--tpot-slo-ms", "only configurations meeting this TPOT can be best", FloatRange.Positive());
        var profile = new Option<string>("--profile") { Description = "efficiency profile", DefaultValueFactory = _ => "default" };
        var skew = CommonOptions.RoutingSkew();
        var passes = new Option<string?>("--passes") { Description = "pipelines to compare, separated by ';' (each runs before the deployment's quantize/parallelize/fuse; see docs/passes.md)" };
        var format = CommonOptions.Format("csv", "csv", "json", "markdown");
        var output = CommonOptions.Output();
        var source = new SourceOptions();
        var cmd = new Command("sweep", "Evaluate every combination of hardware, layout, formats, batch and context.")
            { file, hardware, hardwareFile, gpus, nodes, batch, context, prompt, tp, ep, dp, pp, weights, kv, slo, profile, skew, passes, format, output };
        source.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var diagnostics = new DiagnosticBag();
            long[] Sizes(Option<string> o) => List(r.GetValue(o)!, o.Name, diagnostics, size: true);
            int[] Ints(Option<string> o) => Narrow(List(r.GetValue(o)!, o.Name, diagnostics, size: false), o.Name, diagnostics);
            var batches = Sizes(batch); var contexts = Sizes(context);
            var prompts = Sizes(prompt);
            var dps = Ints(dp); var pps = Ints(pp); var eps = Ints(ep);
            int gpuCount = r.GetValue(gpus), nodeCount = r.GetValue(nodes);
            if (gpuCount < 1 || nodeCount < 1 || gpuCount % nodeCount != 0)
                diagnostics.Report(DiagnosticCatalog.DeploymentMismatch, SourceSpan.None, $"--gpus ({gpuCount}) must be a positive multiple of --nodes ({nodeCount})");
            var tps = r.GetValue(tp) is { } t ? Narrow(List(t, "--tp", diagnostics, size: false), "--tp", diagnostics) : null;
            var catalog = HardwareCatalog.BuiltIn();
            foreach (var f in r.GetValue(hardwareFile) ?? Array.Empty<string>())
                try { catalog.AddFile(f); }
                catch (Exception e) when (e is HardwareFileException or IOException or UnauthorizedAccessException) { diagnostics.Report(DiagnosticCatalog.HardwareFile, SourceSpan.None, e.Message); }
            var devices = new List<Device>();
            foreach (var id in r.GetValue(hardware)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var d = catalog.Find(id);
                if (d is null) diagnostics.Report(DiagnosticCatalog.UnknownHardware, SourceSpan.None, id, catalog.Suggest(id), string.Join(", ", catalog.Devices.Select(x => x.Id).OrderBy(x => x)));
                else devices.Add(d);
            }
            var eff = EfficiencyProfile.Find(r.GetValue(profile)!);
            if (eff is null) diagnostics.Report(DiagnosticCatalog.UnknownProfile, SourceSpan.None, r.GetValue(profile)!, string.Join(", ", EfficiencyProfile.BuiltIn.Select(x => x.Name)));
            eff = CommonOptions.WithRoutingSkew(eff, r.GetValue(skew));
            var pipelines = (r.GetValue(passes) ?? "").Split(';').Select(x => x.Trim()).ToArray();
            // Each pipeline is checked as the user wrote it, so an error points into their text.
            foreach (var written in pipelines.Where(x => x.Length > 0)) GraphDsl.Passes.Core.Pipeline.Parse(written, diagnostics);
            var weightList = r.GetValue(weights)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var kvList = r.GetValue(kv)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (diagnostics.HasErrors) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }

            double candidateLayouts = (double)weightList.Length * kvList.Length * dps.Length * pps.Length * eps.Length * (tps?.Length ?? 1);
            if (candidateLayouts > MaxSweepPoints)
                return TooLarge($"--weights x --kv x --dp x --pp x --ep x --tp = {weightList.Length} x {kvList.Length} x {dps.Length} x {pps.Length} x {eps.Length} x {tps?.Length ?? 1} = {candidateLayouts:0} candidate layouts; the limit is {MaxSweepPoints}");
            var layouts = new List<Deployment>();
            foreach (var w in weightList)
                foreach (var k in kvList)
                    foreach (var d in dps) foreach (var p in pps) foreach (var e in eps)
                    {
                        long dpp = (long)d * p;   // long: no product of two ints wraps around
                        var candidates = tps ?? new[] { (int)(gpuCount / Math.Max(1, dpp)) };
                        foreach (var x in candidates)
                            if (dpp <= gpuCount && x * dpp == gpuCount) layouts.Add(new Deployment(x, e, d, p, w, k));
                    }
            if (layouts.Count == 0)
            {
                Driver.Report(DiagnosticCatalog.InvalidSweep.At(SourceSpan.None, $"no layout uses exactly {gpuCount} GPUs (tp x dp x pp)"));
                return ExitCodes.UsageError;
            }
            double deployments = (double)pipelines.Length * layouts.Count;
            if (deployments > MaxSweepDeployments)
                return TooLarge($"{pipelines.Length} pipeline(s) x {layouts.Count} layout(s) = {deployments:0} deployments to compile; the limit is {MaxSweepDeployments}");
            double points = deployments * devices.Count * prompts.Length * contexts.Length * batches.Length;
            if (points > MaxSweepPoints)
                return TooLarge($"{deployments:0} deployment(s) x {devices.Count} device(s) x {prompts.Length} prompt(s) x {contexts.Length} context(s) x {batches.Length} batch(es) = {points:0} configurations; the limit is {MaxSweepPoints}");

            var module = source.Load(r, r.GetValue(file)!);
            if (module is null) return ExitCodes.InputError;
            var rows = new List<Row>();
            var total = (long)points;
            void Run(Action<double> progress)
            {
                long done = 0;
                foreach (var pipeline in pipelines)
                foreach (var dep in layouts)
                {
                    var diag = new DiagnosticBag();
                    var compiled = CompiledDeployment.Compile(module, dep, pipeline, diag);
                    foreach (var device in devices)
                    {
                        var cluster = new Cluster(device, nodeCount, gpuCount / nodeCount);
                        SweepEvaluator? evaluator = null;
                        if (compiled is not null)
                            try { evaluator = new SweepEvaluator(compiled, cluster, eff!); }
                            catch (ArgumentException e) { diag.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, e.Message); }
                        foreach (var pr in prompts)
                            foreach (var c in contexts)
                                foreach (var b in batches)
                                {
                                    done++;
                                    if (evaluator is null) { rows.Add(new Row(pipeline, device.Id, dep, b, pr, c, default, string.Join("; ", diag.Items.Select(x => x.Message)))); continue; }
                                    int split = compiled!.DecodePlan.Layout.Nanobatches;
                                    if (b % dep.Dp != 0 || b / dep.Dp % split != 0) { rows.Add(new Row(pipeline, device.Id, dep, b, pr, c, default, $"batch {b} is not a multiple of dp {dep.Dp} x {split} nano-batch(es)")); continue; }
                                    rows.Add(new Row(pipeline, device.Id, dep, b, pr, c, evaluator.Evaluate(b, pr, c), ""));
                                }
                        progress(done * 100.0 / total);
                    }
                }
            }
            if (!Console.IsOutputRedirected || r.GetValue(output) is not null && AnsiConsole.Profile.Capabilities.Interactive)
                AnsiConsole.Progress().Start(ctx => { var task = ctx.AddTask($"sweeping {total} configurations"); Run(p => task.Value = p); });
            else Run(_ => { });
            var sloMs = r.GetValue(slo);
            var best = rows.Where(x => x.Error.Length == 0 && x.Point.Feasible && (sloMs is null || x.Point.TpotMs <= sloMs))
                .OrderByDescending(x => x.Point.TokensPerSecondPerGpu).FirstOrDefault();
            var text = r.GetValue(format) switch
            {
                "json" => ToJson(rows, best, sloMs),
                "markdown" => ToMarkdown(rows, best),
                _ => ToCsv(rows, best, sloMs),
            };
            if (!Driver.WriteOutput(r.GetValue(output), text)) return ExitCodes.InputError;
            if (r.GetValue(output) is not null)
                Console.Error.WriteLine(best is null ? "no feasible configuration" :
                    $"best: {best.Device} tp={best.Dep.Tp} ep={best.Dep.Ep} dp={best.Dep.Dp} pp={best.Dep.Pp} weights={best.Dep.Weights} kv={best.Dep.Kv} batch {best.Batch} context {best.Context}: {best.Point.TokensPerSecondPerGpu:F1} tokens/s/GPU, TPOT {best.Point.TpotMs:F2} ms");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private sealed record Row(string Passes, string Device, Deployment Dep, long Batch, long Prompt, long Context, SweepPoint Point, string Error);

    /// <summary>A table for documents: what varies (pipeline, layout, formats, workload) and the figures.</summary>
    private static string ToMarkdown(List<Row> rows, Row? best)
    {
        var sb = new StringBuilder("| passes | hardware | tp/ep/dp/pp | weights | kv | batch | context | TPOT ms | serial ms | kernels/step | tokens/s | weights GB/GPU | KV GB/GPU | max batch | fits |\n");
        sb.Append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        static string N(double v, string f) => double.IsInfinity(v) || double.IsNaN(v) ? "" : v.ToString(f, CultureInfo.InvariantCulture);
        foreach (var x in rows)
        {
            var p = x.Point;
            string passes = x.Passes.Length == 0 ? "(default)" : "`" + x.Passes.Replace("|", "\\|") + "`";
            string layout = $"{x.Dep.Tp}/{x.Dep.Ep}/{x.Dep.Dp}/{x.Dep.Pp}";
            if (x.Error.Length > 0) { sb.Append($"| {passes} | {x.Device} | {layout} | {x.Dep.Weights} | {x.Dep.Kv} | {x.Batch} | {x.Context} | {x.Error.Replace("|", "/")} | | | | | | | no |\n"); continue; }
            sb.Append($"| {passes} | {x.Device} | {layout} | {x.Dep.Weights} | {x.Dep.Kv} | {x.Batch} | {x.Context} | {N(p.TpotMs, "F2")} | {N(p.SerialTpotMs, "F2")} | {N(p.KernelsPerStep, "F0")} | {N(p.TokensPerSecond, "F0")} | {N(p.WeightGb, "F1")} | {N(p.KvGb, "F1")} | {(p.MaxBatch == long.MaxValue ? "" : p.MaxBatch.ToString(CultureInfo.InvariantCulture))} | {(p.Feasible ? "yes" : "no")}{(ReferenceEquals(x, best) ? " (best)" : "")} |\n");
        }
        return sb.ToString();
    }

    private static long[] List(string text, string name, DiagnosticBag diagnostics, bool size)
    {
        var values = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (size)
            {
                if (NumberOptions.SizeProblem(name + ":", part, out var v) is { } problem) diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, problem);
                else values.Add(v);
            }
            else if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) values.Add(n);
            else diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, $"{name}: '{part}' is not a positive integer");
        }
        if (values.Count == 0) diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, $"{name} lists no value");
        return values.ToArray();
    }

    /// <summary>Layout sizes are ints; a larger value is an error rather than a silent wrap-around.</summary>
    private static int[] Narrow(long[] values, string name, DiagnosticBag diagnostics)
    {
        foreach (var v in values.Where(v => v > int.MaxValue))
            diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, $"{name}: {v} is larger than {int.MaxValue}");
        return values.Select(v => (int)Math.Min(v, int.MaxValue)).ToArray();
    }

    private static int TooLarge(string message)
    {
        Driver.Report(DiagnosticCatalog.InvalidSweep.At(SourceSpan.None, "the sweep is too large: " + message + " (split it into several sweeps)"));
        return ExitCodes.UsageError;
    }

    private static string F(double v) => double.IsInfinity(v) || double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture);

    private static string ToCsv(List<Row> rows, Row? best, double? slo)
    {
        var sb = new StringBuilder("passes,hardware,tp,ep,dp,pp,weights,kv,batch,prompt,context,feasible,max_batch,ttft_ms,tpot_ms,serial_tpot_ms,kernels_per_step,tokens_per_s,tokens_per_s_per_gpu,weights_gb,kv_gb,free_gb,meets_slo,best,error\n");
        foreach (var x in rows)
        {
            var p = x.Point;
            bool ok = x.Error.Length == 0;
            sb.Append(string.Join(",", "\"" + x.Passes.Replace("\"", "\"\"") + "\"", x.Device, x.Dep.Tp, x.Dep.Ep, x.Dep.Dp, x.Dep.Pp, x.Dep.Weights, x.Dep.Kv, x.Batch, x.Prompt, x.Context,
                ok && p.Feasible ? "true" : "false", ok ? (p.MaxBatch == long.MaxValue ? "" : p.MaxBatch.ToString(CultureInfo.InvariantCulture)) : "",
                ok ? F(p.TtftMs) : "", ok ? F(p.TpotMs) : "", ok ? F(p.SerialTpotMs) : "", ok ? F(p.KernelsPerStep) : "", ok ? F(p.TokensPerSecond) : "", ok ? F(p.TokensPerSecondPerGpu) : "",
                ok ? F(p.WeightGb) : "", ok ? F(p.KvGb) : "", ok ? F(p.FreeGb) : "",
                slo is null ? "" : (ok && p.TpotMs <= slo ? "true" : "false"), ReferenceEquals(x, best) ? "true" : "false",
                "\"" + x.Error.Replace("\"", "\"\"") + "\"")).Append('\n');
        }
        return sb.ToString();
    }

    private static string ToJson(List<Row> rows, Row? best, double? slo) => Json.Write(w =>
    {
        w.WriteStartArray("configurations");
        foreach (var x in rows)
        {
            w.WriteStartObject();
            w.WriteString("passes", x.Passes);
            w.WriteString("hardware", x.Device);
            w.Number("tp", x.Dep.Tp); w.Number("ep", x.Dep.Ep); w.Number("dp", x.Dep.Dp); w.Number("pp", x.Dep.Pp);
            w.WriteString("weights", x.Dep.Weights); w.WriteString("kv", x.Dep.Kv);
            w.Number("batch", x.Batch); w.Number("prompt", x.Prompt); w.Number("context", x.Context);
            if (x.Error.Length > 0) { w.WriteBoolean("feasible", false); w.WriteString("error", x.Error); w.WriteEndObject(); continue; }
            var p = x.Point;
            w.WriteBoolean("feasible", p.Feasible);
            if (p.MaxBatch == long.MaxValue) w.WriteNull("max_batch"); else w.Number("max_batch", p.MaxBatch);
            w.Number("ttft_ms", p.TtftMs); w.Number("tpot_ms", p.TpotMs); w.Number("serial_tpot_ms", p.SerialTpotMs);
            w.Number("kernels_per_step", p.KernelsPerStep); w.Number("tokens_per_s", p.TokensPerSecond);
            w.Number("tokens_per_s_per_gpu", p.TokensPerSecondPerGpu);
            w.Object("memory", () => { w.Number("weights_gb", p.WeightGb); w.Number("kv_gb", p.KvGb); w.Number("free_gb", p.FreeGb); });
            if (slo is not null) w.WriteBoolean("meets_slo", p.TpotMs <= slo);
            w.WriteBoolean("best", ReferenceEquals(x, best));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Number("count", rows.Count);
    });
}
