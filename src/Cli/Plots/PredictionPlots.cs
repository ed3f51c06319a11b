using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Types;

namespace GraphDsl.Cli.Plots;

/// <summary>The pictures of one prediction: the roofline of its ops, the memory of a GPU, and the prefill and decode
/// steps split by what bounds them. Each is a chart model; <see cref="ChartSvg"/> and <see cref="BarChartSvg"/> draw them.</summary>
public static class PredictionPlots
{
    /// <summary>The math types whose dense peaks are drawn as roofs, where the device has them.</summary>
    private static readonly MathType[] Roofs = { MathType.Bf16, MathType.Fp8, MathType.Fp4 };

    public static string Headline(Prediction p) =>
        $"{p.Model} on {p.Gpus} x {p.Device}, {p.Deployment.Layout}, weights {p.Deployment.Weights}, kv {p.Deployment.Kv}; batch {p.Workload.Batch}, prompt {p.Workload.Prompt}, context {p.Workload.Context}";

    /// <summary>Arithmetic intensity (FLOPs per byte of memory traffic) against achieved FLOP/s per GPU of every kernel of
    /// the decode and prefill steps, log-log, under the device's roofs: HBM bandwidth times intensity, and each dense
    /// peak. Ops without FLOPs or bytes (collectives, copies) have no place on it and are counted in the subtitle.</summary>
    public static Chart Roofline(Prediction p, Device device)
    {
        var series = new List<ChartSeries>();
        int left = 0;
        var all = new List<ChartPoint>();
        foreach (var (phase, ops, color) in new[] { ("decode step", p.DecodeOps, Palette.At(0)), ("prefill step", p.PrefillOps, Palette.At(1)) })
        {
            var points = new List<ChartPoint>();
            foreach (var op in ops)
            {
                if (op.Flops <= 0 || op.Bytes <= 0 || op.MillisecondsPerStep <= 0) { left++; continue; }
                double intensity = op.Flops / op.Bytes, achieved = op.Flops / (op.MillisecondsPerStep / 1e3);
                points.Add(new ChartPoint(intensity, achieved,
                    $"{phase}: {op.Name} [{op.Op}] x{Markup.Num(op.Count)}: {Markup.Num(op.MillisecondsPerStep)} ms, {Scale.Si(op.Flops, "FLOP")}, {Scale.Si(op.Bytes, "B")}, {Markup.Num(intensity)} FLOP/B, {Scale.Si(achieved, "FLOP/s")}, {op.Bound.ToString().ToLowerInvariant()}-bound"));
            }
            series.Add(new ChartSeries($"{phase} ops ({points.Count})", color, points));
            all.AddRange(points);
        }
        if (all.Count > 0)
        {
            double lo = all.Min(x => x.X) / 2, hi = all.Max(x => x.X) * 2;
            int i = 0;
            foreach (var math in Roofs)
            {
                if (device.Peak(math) is not { } peak) continue;
                double ridge = peak / device.HbmBytesPerSecond;
                var roof = new List<ChartPoint> { new(Math.Min(lo, ridge / 4), Math.Min(lo, ridge / 4) * device.HbmBytesPerSecond) };
                roof.Add(new ChartPoint(ridge, peak));
                roof.Add(new ChartPoint(Math.Max(hi, ridge * 4), peak));
                series.Add(new ChartSeries($"{math.Key} roof: {Scale.Si(peak, "FLOP/s")} dense peak, {Scale.Si(device.HbmBytesPerSecond, "B/s")} HBM", RoofColor(i++), roof, Mark.Line, Dash: i == 1 ? null : "8 4"));
            }
        }
        string subtitle = Headline(p) + (left > 0 ? $"; {left} op(s) without FLOPs or bytes (collectives, copies) not shown" : "");
        return new Chart($"Roofline of {p.Model} on {p.Device}", subtitle, new Axis("arithmetic intensity (FLOP per byte of HBM traffic)", Log: true),
            new Axis("achieved FLOP/s per GPU", Log: true), series, new List<Guide>(), "no op has both FLOPs and bytes: nothing to plot");
    }

    private static string RoofColor(int i) => i switch { 0 => "#333333", 1 => "#777777", _ => "#AAAAAA" };

    /// <summary>One GPU's memory: weights, KV cache, the recurrent state of hybrid models' state-space and linear-attention
    /// layers (where the model has any), activations, the runtime's reserve and what is left, against its capacity.</summary>
    public static BarChart Memory(Prediction p)
    {
        var m = p.Memory;
        var segments = new List<BarSegment>
        {
            new("weights", m.WeightBytes / 1e9, Palette.At(0)),
            new("KV cache", m.KvBytes / 1e9, Palette.At(1)),
        };
        if (m.StateBytes > 0) segments.Add(new("recurrent state", m.StateBytes / 1e9, Palette.At(4)));
        segments.Add(new("activations", m.ActivationBytes / 1e9, Palette.At(2)));
        segments.Add(new("runtime reserve", m.ReserveBytes / 1e9, Palette.At(3)));
        segments.Add(new("free", Math.Max(0, m.FreeBytes) / 1e9, Palette.Free));
        double used = (m.WeightBytes + m.KvBytes + m.StateBytes + m.ActivationBytes + m.ReserveBytes) / 1e9;
        var total = p.Feasible ? $"{Markup.Num(used)} of {Markup.Num(m.CapacityBytes / 1e9)} GB" : $"{Markup.Num(used)} GB: does not fit";
        return new BarChart($"Memory per GPU: {p.Model} on {p.Device}", Headline(p), "GB per GPU (10^9 bytes)",
            new[] { new BarRow("per GPU", segments, total) }, Limit: new Guide(true, m.CapacityBytes / 1e9, $"capacity {Markup.Num(m.CapacityBytes / 1e9)} GB", Palette.Slo));
    }

    /// <summary>The prefill and decode steps as shares of their serial time by what bounds them (compute, memory,
    /// communication, launch), each with its overlapped time.</summary>
    public static BarChart TimeByBound(Prediction p)
    {
        BarRow Row(string label, PhaseReport r) => new(label, new[]
        {
            new BarSegment("compute-bound", r.ComputeMs, Palette.Compute),
            new BarSegment("memory-bound", r.MemoryMs, Palette.Memory),
            new BarSegment("communication", r.CommMs, Palette.Communication),
            new BarSegment("launch", r.LaunchMs, Palette.Launch),
        }, $"{Markup.Num(r.Milliseconds)} ms" + (Math.Abs(r.SerialMs - r.Milliseconds) > 1e-9 ? $" ({Markup.Num(r.SerialMs)} serial)" : ""));
        return new BarChart($"Step time by bound: {p.Model} on {p.Device}", Headline(p), "ms",
            new[] { Row("prefill (batch)", p.Prefill), Row("decode step", p.Decode) }, Shares: true);
    }

    /// <summary>The picture <c>predict --plot</c> asks for.</summary>
    public static Picture Draw(PlotKind kind, Prediction p, Device device) =>
        kind == PlotKind.Memory ? Picture.Of(Memory(p)) : kind == PlotKind.Time ? Picture.Of(TimeByBound(p)) : Picture.Of(Roofline(p, device));

    /// <summary>The colour of a bound, the same in every picture.</summary>
    public static string Color(Bound b) => b switch
    {
        Bound.Compute => Palette.Compute,
        Bound.Memory => Palette.Memory,
        Bound.Communication => Palette.Communication,
        _ => Palette.Launch,
    };
}
