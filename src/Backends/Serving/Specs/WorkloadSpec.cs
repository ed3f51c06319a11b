using System.Collections.Generic;
using System.Globalization;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Specs;

public enum WorkloadKind { Poisson, Concurrency, Offline, Trace }

/// <summary>
/// The traffic <c>graphdsl serve</c> simulates (<c>--workload</c>):
/// <list type="bullet">
/// <item><c>poisson:rate=R,prompt=P,output=O</c>: open loop, arrivals of a Poisson process at R requests per second
/// (benchmark_serving's <c>--request-rate</c>);</item>
/// <item><c>concurrency:C,prompt=P,output=O</c>: closed loop, C requests in flight, each completion sending the next
/// (benchmark_serving's <c>--max-concurrency</c> at an infinite rate);</item>
/// <item><c>offline:N,prompt=P,output=O</c>: N requests, all at time 0 (trtllm-bench's throughput run);</item>
/// <item><c>trace:FILE.jsonl</c>: one JSON object per line with <c>arrival</c> (seconds), <c>prompt</c> and
/// <c>output</c> (tokens) and an optional <c>prefix</c> id.</item>
/// </list>
/// P and O are lengths (<see cref="LengthSpec"/>).
/// </summary>
public sealed record WorkloadSpec(WorkloadKind Kind, double Rate, long Clients, long Count, LengthSpec Prompt, LengthSpec Output, string TracePath)
{
    /// <summary>The source name spec diagnostics are located in (<c>&lt;workload&gt;:1:COL</c>).</summary>
    public const string SourceName = "<workload>";

    /// <summary>Most requests one simulation runs (its per-request metrics are kept as arrays of floats: 120 MB at this count).</summary>
    public const long MaxRequests = 10_000_000;

    /// <summary>Highest Poisson rate, requests per second (far beyond any engine).</summary>
    public const double MaxRate = 1e6;

    /// <summary>Lowest Poisson rate, requests per second: one request per 1000 s on average. Below it the arrival times of
    /// even the largest run (<see cref="MaxRequests"/> requests, about 10^10 s) lose the microseconds a latency is made of
    /// (1e-308 put the arrivals near 10^308 s, where adding a step's milliseconds changes nothing: every latency came out 0).</summary>
    public const double MinRate = 1e-3;

    public override string ToString() => Kind switch
    {
        WorkloadKind.Poisson => $"poisson:rate={Rate.ToString("R", CultureInfo.InvariantCulture)},prompt={Prompt},output={Output}",
        WorkloadKind.Concurrency => $"concurrency:{Clients},prompt={Prompt},output={Output}",
        WorkloadKind.Offline => $"offline:{Count},prompt={Prompt},output={Output}",
        _ => $"trace:{TracePath}",
    };

    /// <summary>Parses a --workload value; null after reporting the first problem at its column (GD0630).</summary>
    public static WorkloadSpec? Parse(string text, DiagnosticBag diagnostics)
    {
        var r = new SpecReader(text, SourceName, DiagnosticCatalog.InvalidServingWorkload, diagnostics);
        var kind = r.Name();
        WorkloadKind k;
        switch (kind)
        {
            case "poisson": k = WorkloadKind.Poisson; break;
            case "concurrency": k = WorkloadKind.Concurrency; break;
            case "offline": k = WorkloadKind.Offline; break;
            case "trace": k = WorkloadKind.Trace; break;
            default:
                r.Error(0, System.Math.Max(1, kind.Length), $"unknown workload '{(kind.Length > 0 ? kind : text)}'; known: poisson:rate=R,prompt=P,output=O, concurrency:C,prompt=P,output=O, offline:N,prompt=P,output=O, trace:FILE.jsonl");
                return null;
        }
        if (!r.Expect(':', $"after '{kind}'")) return null;
        if (k == WorkloadKind.Trace)
        {
            var path = text[r.Position..];
            if (path.Length == 0) { r.Error(r.Position, 1, "trace: expected the path of a JSONL file after 'trace:'"); return null; }
            return new WorkloadSpec(k, 0, 0, 0, LengthSpec.Fixed(1), LengthSpec.Fixed(1), path);
        }
        long clients = 0, count = 0;
        var keys = new List<string> { "prompt", "output" };
        if (k == WorkloadKind.Concurrency) { if (r.Integer("concurrency", 1, 1_000_000) is { } c) clients = c; else return null; }
        if (k == WorkloadKind.Offline) { if (r.Integer("offline request count", 1, MaxRequests) is { } n) count = n; else return null; }
        if (k == WorkloadKind.Poisson) keys.Insert(0, "rate");
        double rate = 0;
        LengthSpec? prompt = null, output = null;
        var seen = new HashSet<string>();
        bool first = k == WorkloadKind.Poisson;
        while (!r.AtEnd)
        {
            if (!first && !r.Expect(',', "between options")) return null;
            first = false;
            int at = r.Position;
            var key = r.Name();
            if (!keys.Contains(key))
            {
                r.Error(at, System.Math.Max(1, key.Length), $"{kind} has no option '{key}'; its options: {string.Join(", ", keys)}");
                return null;
            }
            if (!seen.Add(key)) { r.Error(at, key.Length, $"{kind}: '{key}' is given twice"); return null; }
            if (!r.Expect('=', $"after '{key}'")) return null;
            switch (key)
            {
                case "rate": if (r.Number("rate (requests per second)", MinRate, MaxRate, minInclusive: true) is { } v) rate = v; else return null; break;
                case "prompt": prompt = LengthSpec.Read(r, "prompt"); if (prompt is null) return null; break;
                default: output = LengthSpec.Read(r, "output"); if (output is null) return null; break;
            }
        }
        foreach (var key in keys)
            if (!seen.Contains(key)) { r.Error(text.Length, 1, $"{kind} needs {key}=...; e.g. {Example(k)}"); return null; }
        return new WorkloadSpec(k, rate, clients, count, prompt!, output!, "");
    }

    private static string Example(WorkloadKind k) => k switch
    {
        WorkloadKind.Poisson => "poisson:rate=2,prompt=1024,output=128",
        WorkloadKind.Concurrency => "concurrency:8,prompt=1024,output=128",
        _ => "offline:1000,prompt=1024,output=128",
    };
}
