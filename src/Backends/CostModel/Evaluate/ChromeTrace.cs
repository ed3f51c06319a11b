using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using GraphDsl.Backends.CostModel.Plan;

namespace GraphDsl.Backends.CostModel.Evaluate;

/// <summary>
/// Writes stream schedules as a Chrome/Perfetto trace (the JSON "traceEvents" format, times in
/// microseconds): one process per phase and pipeline stage, with a compute and a communication thread.
/// The GPUs of a stage run the same program (SPMD), so one track pair stands for each of them.
/// </summary>
public static class ChromeTrace
{
    public static string Write(CostPlan prefillPlan, IReadOnlyList<StreamEvent> prefill, CostPlan decodePlan, IReadOnlyList<StreamEvent> decode, int gpusPerStage)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("displayTimeUnit", "ms");
            w.WriteStartArray("traceEvents");
            double decodeStart = prefill.Count == 0 ? 0 : prefill.Max(e => e.Start + e.Duration);
            Phase(w, "prefill", 0, prefillPlan, prefill, 0, gpusPerStage);
            Phase(w, "decode", 1, decodePlan, decode, decodeStart, gpusPerStage);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Phase(Utf8JsonWriter w, string phase, int phaseIndex, CostPlan plan, IReadOnlyList<StreamEvent> events, double offset, int gpusPerStage)
    {
        for (int stage = 0; stage < plan.Layout.Pp; stage++)
        {
            int pid = phaseIndex * 1000 + stage;
            int first = stage * gpusPerStage, last = first + gpusPerStage - 1;
            Meta(w, "process_name", pid, 0, $"{phase} step, GPUs {first}-{last} (pipeline stage {stage}; each runs this schedule)");
            Meta(w, "process_sort_index", pid, 0, null, pid);
            Meta(w, "thread_name", pid, 0, "compute stream");
            Meta(w, "thread_name", pid, 1, "communication stream");
        }
        foreach (var e in events)
        {
            var entry = plan.Entries[e.Entry];
            w.WriteStartObject();
            w.WriteString("name", Name(entry));
            w.WriteString("cat", e.Stream == StreamKind.Compute ? "compute" : "communication");
            w.WriteString("ph", "X");
            w.WriteNumber("ts", Round((offset + e.Start) * 1e6));
            w.WriteNumber("dur", Round(e.Duration * 1e6));
            w.WriteNumber("pid", phaseIndex * 1000 + e.Stage);
            w.WriteNumber("tid", e.Stream == StreamKind.Compute ? 0 : 1);
            w.WriteStartObject("args");
            w.WriteString("op", entry.Op);
            if (entry.Path.Length > 0) w.WriteString("path", entry.Path);
            if (e.Loop.Length > 0) { w.WriteString("loop", e.Loop); w.WriteNumber("iteration", e.Iteration); }
            w.WriteEndObject();
            w.WriteEndObject();
        }
    }

    private static string Name(PlanEntry e)
    {
        if (e.Source?.Def.Structure == GraphDsl.Ir.Ops.OpStructure.Kernel) return e.Source.Attributes.GetString("kind") ?? e.Op;
        if (e.Collective != CollectiveKind.None) return e.Collective.ToString() + (e.CommAxis.Length > 0 ? $" ({e.CommAxis})" : "");
        var weight = e.Source?.Operands.FirstOrDefault(v => GraphDsl.Ir.Ops.OpCosts.IsWeight(v) && v.Owner is not null)?.Owner?.Attributes.GetString("name");
        return weight is null ? e.Op : $"{e.Op} {weight}";
    }

    private static double Round(double us) => System.Math.Round(us, 3);

    private static void Meta(Utf8JsonWriter w, string name, int pid, int tid, string? label, int? sort = null)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        if (label is not null) w.WriteString("name", label);
        if (sort is { } s) w.WriteNumber("sort_index", s);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
