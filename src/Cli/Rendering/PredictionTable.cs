using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using Spectre.Console;

namespace GraphDsl.Cli.Rendering;

/// <summary>`predict --format table`: the answer first (fits? how fast?), then memory, then the slowest ops.</summary>
public static class PredictionTable
{
    public static void Write(Prediction p, SpecFormats formats, Commands.ClusterChoice? cluster = null)
    {
        var c = Terminal.Create();
        var d = p.Deployment;
        var nodes = cluster?.Describe() ?? $"{p.Nodes} node(s)";
        c.MarkupLine($"[bold]{Markup.Escape(p.Model)}[/] on {p.Gpus} x {Markup.Escape(p.Device)} ({Markup.Escape(nodes)}), {Markup.Escape(d.Layout.ToString())}" +
                     $", weights {Markup.Escape(SpecFormats.InEffect(d.Weights, formats.Weights))}, kv {Markup.Escape(SpecFormats.InEffect(d.Kv, formats.Kv))}" + (d.Activations != GraphDsl.Ir.Types.NumericFormat.Keep ? $", activations {Markup.Escape(d.Activations)}" : "") +
                     $"; profile {Markup.Escape(p.Profile)}" + (p.CudaGraphs ? "" : ", CUDA graphs off") + (p.Routing.Length > 0 ? $", routing {Markup.Escape(p.Routing)}" : ""));
        c.MarkupLine($"pipeline {Markup.Escape(p.Pipeline.ToString())}");
        c.MarkupLine($"batch {p.Workload.Batch}, prompt {p.Workload.Prompt}, context {p.Workload.Context}" +
                     (p.Speculative is { } sp ? FormattableString.Invariant($", speculative {sp.Method}:{sp.DraftTokens} keeping {sp.Acceptance:G4} tokens per step") : ""));
        foreach (var e in p.Emulated) c.MarkupLine($"[yellow]{Markup.Escape(e)}[/]");
        if (!p.Feasible)
        {
            c.MarkupLine("[red bold]does not fit[/]");
            foreach (var r in p.Reasons) c.MarkupLine("  " + Markup.Escape(r));
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("fits", p.Feasible ? "yes" : "[red]no[/]");
        t.AddRow("TTFT (a request's, mean over the batch)", $"{p.TtftMs:F2} ms");
        t.AddRow($"prefill of the whole batch ({p.PrefillPassCount} pass(es) per replica)", $"{p.Prefill.Milliseconds:F2} ms");
        if (p.Speculative is { } spec)
        {
            t.AddRow("TPOT (speculative step / tokens kept)", $"{spec.TpotMs:F3} ms");
            t.AddRow($"speculative step ({spec.DraftTokens} draft pass(es) + verify of {spec.DraftTokens + 1})", $"{spec.DraftMs:F3} + {spec.VerifyMs:F3} ms");
            t.AddRow("plain decode step", $"{p.Decode.Milliseconds:F3} ms (speculation {p.SpeculativeSpeedup:F2}x faster per token)");
        }
        else t.AddRow("TPOT (one decode step)", $"{p.Decode.Milliseconds:F3} ms");
        // Eager decode: the step is at least the host's dispatching of its kernels (docs/cost-model.md, "Eager execution").
        if (!p.CudaGraphs) t.AddRow("host dispatch of a decode step (CUDA graphs off)", $"{p.Decode.HostDispatchMs:F3} ms");
        // The engine's own per-request host work, where its profile prices it (docs/cost-model.md, "Host step").
        if (p.Decode.HostStepMs > 0)
            t.AddRow("engine host work of a decode step (the step takes at least this)", $"{p.Decode.HostStepMs:F3} ms");
        if (Math.Abs(p.Decode.SerialMs - p.Decode.Milliseconds) > 1e-9)
            t.AddRow("TPOT with nothing overlapped", $"{p.Decode.SerialMs:F3} ms");
        t.AddRow("decode tokens/s (cluster)", p.Feasible ? $"{p.DecodeTokensPerSecond:F1}" : "- (does not fit)");
        t.AddRow("decode tokens/s per GPU", p.Feasible ? $"{p.DecodeTokensPerSecondPerGpu:F1}" : "- (does not fit)");
        if (p.OutputTokensPerSecond is { } o) t.AddRow($"output tokens/s ({p.Workload.Output} per request)", $"{o:F1}");
        else if (p.OutputLimit is { } why) t.AddRow($"output tokens/s ({p.Workload.Output} per request)", $"- ({Markup.Escape(why)})");
        t.AddRow("largest batch that fits", p.MaxBatch == long.MaxValue ? "unbounded" : p.MaxBatch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        t.AddRow(AdmissionNote.Label, Markup.Escape(AdmissionNote.Describe(p)));
        if (p.SloBatch is { } b) t.AddRow($"best batch with TPOT <= {p.Workload.TpotSloMs} ms", b == 0 ? "[red]none[/]" : $"{b} ({p.SloTokensPerSecond:F1} tokens/s)");
        c.Write(t);
        var m = new Table().Border(TableBorder.Rounded).AddColumn("memory per GPU").AddColumn(new TableColumn("GB").RightAligned());
        m.AddRow("weights", $"{p.Memory.WeightBytes / 1e9:F2}");
        m.AddRow("KV cache", $"{(p.Memory.KvBytes - p.Memory.RequestCacheBytes) / 1e9:F2}");
        // Encoder-decoder models: what each sequence keeps from its prefill for every decode step (docs/cost-model.md, "Step-invariant work").
        if (p.Memory.RequestCacheBytes > 0) m.AddRow("cross-attention cache (computed at prefill)", $"{p.Memory.RequestCacheBytes / 1e9:F2}");
        // State-space and linear-attention layers: a constant-size state per sequence, whatever the context.
        if (p.Memory.StateBytes > 0) m.AddRow($"state ({p.Memory.StateBytesPerSequence / 1e6:F2} MB per sequence)", $"{p.Memory.StateBytes / 1e9:F2}");
        m.AddRow("activations", $"{p.Memory.ActivationBytes / 1e9:F2}");
        m.AddRow("runtime reserve", $"{p.Memory.ReserveBytes / 1e9:F2}");
        m.AddRow("free", $"{p.Memory.FreeBytes / 1e9:F2}");
        m.AddRow("capacity", $"{p.Memory.CapacityBytes / 1e9:F2}");
        c.Write(m);
        var ops = new Table().Border(TableBorder.Rounded).Title("decode step: slowest ops")
            .AddColumn("op").AddColumn(new TableColumn("x").RightAligned()).AddColumn(new TableColumn("ms/step").RightAligned())
            .AddColumn(new TableColumn("share").RightAligned()).AddColumn("bound");
        foreach (var op in p.DecodeOps.Take(12))
            ops.AddRow(Markup.Escape(op.Name), op.Count.ToString("0", System.Globalization.CultureInfo.InvariantCulture), $"{op.MillisecondsPerStep:F3}",
                $"{100 * op.MillisecondsPerStep / p.Decode.Milliseconds:F1}%", op.Bound.ToString().ToLowerInvariant());
        c.Write(ops);
    }
}
