using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace GraphDsl.Fuzz;

/// <summary>A crash: the input, what escaped, and a signature (exception type and the innermost GraphDsl frame) to group duplicates.</summary>
public sealed record FuzzFinding(long Index, byte[] Input, string Signature, string Message, string? StackTrace);

/// <summary>What a run of <see cref="MutationLoop"/> did.</summary>
public sealed record LoopReport(long Executions, TimeSpan Elapsed, TimeSpan Slowest, long SlowestIndex, IReadOnlyList<FuzzFinding> Findings)
{
    public double PerSecond => Executions / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// The coverage-blind, in-process fuzzer: runs the corpus as it is, then mutated inputs 0..n-1 of one seed, and
/// records every input that escapes the target with an exception (one finding per signature). Used by the
/// CI smoke (10^4 inputs) and by <c>tools/Fuzz &lt;target&gt; loop</c> (10^6 and more).
/// </summary>
public static class MutationLoop
{
    public static LoopReport Run(FuzzTarget target, IReadOnlyList<byte[]> corpus, ulong seed, long executions,
        Action<FuzzFinding>? onFinding = null, Action<long, TimeSpan>? progress = null, TimeSpan? slowLimit = null,
        int maxBytes = Mutator.DefaultMaxBytes, Action<long, byte[]>? beforeEach = null)
    {
        var mutator = new Mutator(corpus, maxBytes);
        var findings = new List<FuzzFinding>();
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        var slowest = TimeSpan.Zero;
        long slowestIndex = -1;
        // Warm-up: the seeds once, untimed, so JIT compilation is not taken for a slow input.
        foreach (var seedInput in corpus) { try { target.Run(seedInput); } catch (Exception e) when (e is not OutOfMemoryException) { } }
        var total = Stopwatch.StartNew();
        var one = new Stopwatch();
        // Negative indices are the seeds themselves, unmutated: the corpus must pass first.
        for (long i = -corpus.Count; i < executions; i++)
        {
            var input = i < 0 ? corpus[(int)(i + corpus.Count)] : mutator.Mutate(seed, i);
            beforeEach?.Invoke(i, input);
            one.Restart();
            try { target.Run(input); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var finding = new FuzzFinding(i, input, Signature(e), e.GetType().Name + ": " + e.Message, e.StackTrace);
                if (signatures.Add(finding.Signature))
                {
                    findings.Add(finding);
                    onFinding?.Invoke(finding);
                }
            }
            one.Stop();
            if (one.Elapsed > slowest) { slowest = one.Elapsed; slowestIndex = i; }
            // A reader must answer in bounded time: an input over the limit is a finding too (one per size decade).
            if (slowLimit is { } limit && one.Elapsed > limit)
            {
                var finding = new FuzzFinding(i, input, $"slow ({input.Length.ToString().Length}-digit byte count)",
                    $"took {one.Elapsed.TotalMilliseconds:F0} ms (limit {limit.TotalMilliseconds:F0} ms) on {input.Length} bytes", null);
                if (signatures.Add(finding.Signature)) { findings.Add(finding); onFinding?.Invoke(finding); }
            }
            if (progress is not null && i > 0 && i % 100_000 == 0) progress(i, total.Elapsed);
        }
        return new LoopReport(executions + corpus.Count, total.Elapsed, slowest, slowestIndex, findings);
    }

    /// <summary>The exception type and the first GraphDsl frame of its stack (or of the internal error's message).</summary>
    public static string Signature(Exception e)
    {
        if (e is InternalErrorReached) return "GD0899 " + e.Message;
        var trace = new StackTrace(e, fNeedFileInfo: false);
        foreach (var frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            var type = method?.DeclaringType?.FullName;
            if (type is not null && type.StartsWith("GraphDsl.", StringComparison.Ordinal) && !type.StartsWith("GraphDsl.Fuzz.", StringComparison.Ordinal))
                return e.GetType().Name + " at " + type + "." + method!.Name;
        }
        return e.GetType().Name;
    }
}
