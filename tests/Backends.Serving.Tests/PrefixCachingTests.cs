using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>Prefix caching from a trace's prefix ids (Llama 3 70B, FP8, TP8 on 8 H100s, chunked prefill): the hit rate of a
/// hand-made trace, TTFT of a hit as the step that prefills only the uncached tokens, one copy of a shared prefix's
/// blocks however many requests use it, and least-recently-used eviction when the cache fills.</summary>
public class PrefixCachingTests
{
    private static string Trace(params (double Arrival, long Prompt, long Output, string Prefix, long? PrefixTokens)[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"prefix-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, lines.Select(l =>
            $"{{\"arrival\": {l.Arrival.ToString(System.Globalization.CultureInfo.InvariantCulture)}, \"prompt\": {l.Prompt}, \"output\": {l.Output}, \"prefix\": \"{l.Prefix}\""
            + (l.PrefixTokens is { } p ? $", \"prefix_tokens\": {p}" : "") + "}"));
        return path;
    }

    private static (ServingRun Run, ServingSimulation Sim, long PeakBlocks) Serve(string trace, string scheduler)
    {
        var diagnostics = new DiagnosticBag();
        var spec = SchedulerSpec.Parse(scheduler, diagnostics)!;
        using var source = TraceSource.Open(trace, WorkloadSpec.MaxRequests, diagnostics);
        Assert.True(source is not null && !diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        var sim = ServingSimulation.Prepare(Deployments.Llama70bTp8, Deployments.H100x8, Deployments.Profile, spec, source!.MeanLength, null, out var reason);
        Assert.True(sim is not null, reason);
        long peak = 0;
        var run = sim!.Run(source, null, step => peak = Math.Max(peak, step.KvBlocksUsed));
        Assert.True(sim.Kv.UsedBlocks <= sim.Kv.TotalBlocks);
        return (run, sim, peak);
    }

    /// <summary>Eight requests 2 s apart (each done long before the next), 1,024-token prompts sharing a 512-token prefix:
    /// the first computes it, the seven others skip it: 7 x 512 of 8 x 1,024 prompt tokens are hits.</summary>
    [Fact]
    public void Hits_skip_the_cached_prefix_and_count_in_the_hit_rate()
    {
        var trace = Trace(Enumerable.Range(0, 8).Select(i => (i * 2.0, 1024L, 16L, "sys", (long?)512)).ToArray());
        var (on, sim, _) = Serve(trace, "chunked{prefix_caching=on}");
        var (off, _, _) = Serve(trace, "chunked");
        Assert.Equal(7.0 * 512 / (8 * 1024), on.Report.PrefixCacheHitRate!.Value, 12);
        Assert.Equal((7L, 7L * 512, 0L), (on.Report.PrefixCacheHits!.Value, on.Report.PrefixCacheHitTokens!.Value, on.Report.PrefixCacheEvictions!.Value));
        Assert.Null(off.Report.PrefixCacheHitRate);
        Assert.Equal("chunked{budget=2048,max_batch=256,prefix_caching=on}", on.Scheduler);

        // Each request meets an idle engine: TTFT is its prefill step, the whole prompt's, or on a hit the 512 tokens past
        // the cached prefix over a 1,024-token context (TTFTs are kept as floats: 4 decimals of a millisecond).
        double full = sim.Pricer.StepSeconds(new[] { new PrefillChunk(1024, 1024) }, 0, 0) * 1e3;
        double hit = sim.Pricer.StepSeconds(new[] { new PrefillChunk(512, 1024) }, 0, 0) * 1e3;
        Assert.True(hit < 0.75 * full, $"hit {hit:F2} ms, full {full:F2} ms");
        Assert.Equal(full, off.Report.TtftMs.Mean, 4);
        Assert.Equal((full + 7 * hit) / 8, on.Report.TtftMs.Mean, 4);
        Assert.Equal(hit, on.Report.TtftMs.P50, 4);
        Assert.Equal(off.Report.OutputTokens, on.Report.OutputTokens);
    }

    /// <summary>The first request computes the prefix; four arriving together later all hit and share its 32 blocks: the
    /// cache's peak is 3 x 32 blocks below the same run without caching (four copies of the prefix against one), and when
    /// all are done only the cached prefix's blocks are held, evictable.</summary>
    [Fact]
    public void A_shared_prefix_is_held_once()
    {
        var trace = Trace((0, 1024, 16, "sys", 512), (5, 1024, 16, "sys", 512), (5, 1024, 16, "sys", 512), (5, 1024, 16, "sys", 512), (5, 1024, 16, "sys", 512));
        var (on, sim, peakOn) = Serve(trace, "chunked{prefix_caching=on}");
        var (_, _, peakOff) = Serve(trace, "chunked");
        Assert.Equal(4L, on.Report.PrefixCacheHits);
        Assert.Equal(3 * 32, peakOff - peakOn);
        var kv = sim.Kv;
        Assert.Equal((0L, 32L, 32L, 32L), (kv.ActiveBlocks, kv.UsedBlocks, kv.Prefixes!.CachedBlocks, kv.Prefixes.EvictableBlocks));
        Assert.Equal(kv.TotalBlocks - 0, kv.FreeBlocks);
    }

    /// <summary>Distinct 32k-token prefixes until they outgrow the cache: the oldest unused ones are evicted (the cache never
    /// holds more than its blocks), so a late request for the first prefix misses while one for the latest hits.</summary>
    [Fact]
    public void A_full_cache_evicts_the_least_recently_used_prefix()
    {
        var sim0 = ServingSimulation.Prepare(Deployments.Llama70bTp8, Deployments.H100x8, Deployments.Profile, new SchedulerSpec(SchedulerKind.Chunked, null, null, null), 32769, null, out _)!;
        int distinct = (int)(sim0.Kv.TotalBlocks * KvCache.BlockTokens / 32768) + 8;
        // 5 s apart, more than a 32k-token prefill takes here, so each prefix is cached before the next request comes.
        var lines = Enumerable.Range(0, distinct).Select(i => (i * 5.0, 32769L, 1L, $"p{i}", (long?)32768))
            .Append((distinct * 5.0 + 5, 32769L, 1L, $"p{distinct - 1}", 32768L)).Append((distinct * 5.0 + 10, 32769L, 1L, "p0", 32768L)).ToArray();
        var (run, sim, peak) = Serve(Trace(lines), "chunked{prefix_caching=on}");
        Assert.Equal(distinct + 2, run.Report.Completed);
        Assert.True(run.Report.PrefixCacheEvictions >= 8, $"{run.Report.PrefixCacheEvictions} evictions");
        Assert.True(peak <= sim.Kv.TotalBlocks, $"{peak} of {sim.Kv.TotalBlocks} blocks");
        Assert.Equal(1L, run.Report.PrefixCacheHits);
        Assert.Equal(32768L, run.Report.PrefixCacheHitTokens);
    }

    [Theory]
    [InlineData("chunked{prefix_caching=yes}", "<scheduler>:1:24: error GD0631: prefix_caching is on or off, found 'yes'")]
    [InlineData("disagg{prefill=tp4x1,decode=tp4x1,prefix_caching=on}", "<scheduler>:1:35: error GD0631: disagg has no option 'prefix_caching'; its options: prefill, decode, max_batch, max_tokens")]
    public void Bad_prefix_caching_options_are_located(string text, string expected)
    {
        var d = new DiagnosticBag();
        Assert.Null(SchedulerSpec.Parse(text, d));
        Assert.Equal(expected, Assert.Single(d.Items).ToString());
    }

    [Theory]
    [InlineData("{\"arrival\": 0, \"prompt\": 100, \"output\": 1, \"prefix\": \"a\", \"prefix_tokens\": 101}", "\"prefix_tokens\" 101 is more than the prompt's 100 tokens; the prefix is part of the prompt")]
    [InlineData("{\"arrival\": 0, \"prompt\": 100, \"output\": 1, \"prefix_tokens\": 10}", "\"prefix_tokens\" is given without \"prefix\", the id of the prefix it measures")]
    public void Bad_prefix_lengths_are_located(string line, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"prefix-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, line + "\n");
        var d = new DiagnosticBag();
        Assert.Null(TraceSource.Open(path, 10, d));
        Assert.EndsWith("error GD0633: " + expected, Assert.Single(d.Items).ToString());
    }
}
