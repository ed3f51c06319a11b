using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>
/// The engine's step schedule as a Chrome/Perfetto trace (the JSON "traceEvents" format, times in microseconds), like
/// <c>predict --trace</c>'s: one slice per engine step named by what it ran (prefill, decode, or mixed), with its
/// decodes, prefill chunks and tokens, and counter tracks of the KV blocks in use and the requests waiting. It keeps
/// the first <see cref="MaxSteps"/> steps (a long run has millions; the trace says when it was cut).
/// </summary>
public sealed class StepTrace
{
    public const int MaxSteps = 100_000;

    private readonly List<EngineStep> _steps = new();

    public long Seen { get; private set; }

    public void Add(EngineStep step)
    {
        Seen++;
        if (_steps.Count < MaxSteps) _steps.Add(step);
    }

    public string Write(string title)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("displayTimeUnit", "ms");
            w.WriteStartObject("otherData");
            w.WriteString("engine", title);
            w.WriteNumber("steps", Seen);
            w.WriteNumber("steps_in_trace", _steps.Count);
            w.WriteEndObject();
            w.WriteStartArray("traceEvents");
            Meta(w, "process_name", "engine steps");
            foreach (var s in _steps)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Chunks == 0 ? "decode" : s.Decodes == 0 ? "prefill" : "mixed");
                w.WriteString("ph", "X");
                w.WriteNumber("ts", Us(s.Start));
                w.WriteNumber("dur", Us(s.Seconds));
                w.WriteNumber("pid", 0);
                w.WriteNumber("tid", s.Instance);
                w.WriteStartObject("args");
                w.WriteNumber("decodes", s.Decodes);
                w.WriteNumber("prefill_chunks", s.Chunks);
                w.WriteNumber("prefill_tokens", s.PrefillTokens);
                w.WriteEndObject();
                w.WriteEndObject();
                Counter(w, "kv blocks used", s.Start, s.KvBlocksUsed);
                Counter(w, "requests waiting", s.Start, s.Waiting);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Us(double seconds) => System.Math.Round(seconds * 1e6, 3);

    private static void Counter(Utf8JsonWriter w, string name, double at, long value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "C");
        w.WriteNumber("ts", Us(at));
        w.WriteNumber("pid", 0);
        w.WriteStartObject("args");
        w.WriteNumber("value", value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Meta(Utf8JsonWriter w, string name, string label)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", 0);
        w.WriteNumber("tid", 0);
        w.WriteStartObject("args");
        w.WriteString("name", label);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
