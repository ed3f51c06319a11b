using System;
using GraphDsl.Backends.Serving.Engine;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>Disaggregated prefill and decode: prefill instances hand each request's KV cache to a decode instance.</summary>
public class DisaggregationTests
{
    private const string Same = "disagg{prefill=tp4x1,decode=tp4x1}";

    /// <summary>4,096-token prompts at 4 requests/s on 8 H100s. Continuous batching stalls the decodes behind every prefill, so
    /// its TPOT tail rises far above its median; on a decode instance nothing but decodes runs, so the TPOT p99 stays at the
    /// decode-only step time: between the step at the mean decoding batch (Little's law from the run) and 5% above the step at
    /// twice that batch (Poisson traffic's batch rarely doubles).</summary>
    [Fact]
    public void Disaggregation_removes_prefill_interference_from_tpot()
    {
        const string workload = "poisson:rate=4,prompt=4096,output=256";
        var continuous = Deployments.Serve(workload, "continuous", requests: 600).Report;
        var sim = MultiEngine.Disagg(Same, workload);
        var disagg = MultiEngine.Run(sim, workload, requests: 600).Report;
        double batch = disagg.RequestThroughput * (disagg.E2eMs.Mean - disagg.TtftMs.Mean) / 1e3;
        double context = 4096 + 128;
        double low = sim.DecodePricer.DecodeSeconds((long)Math.Floor(batch), Math.Floor(batch) * context) * 1e3;
        double high = sim.DecodePricer.DecodeSeconds((long)Math.Ceiling(2 * batch), Math.Ceiling(2 * batch) * context) * 1e3 * 1.05;
        Assert.InRange(disagg.TpotMs.P99, low, high);
        Assert.True(disagg.TpotMs.P99 < 1.1 * disagg.TpotMs.P50, $"disagg TPOT p50 {disagg.TpotMs.P50} ms, p99 {disagg.TpotMs.P99} ms");
        Assert.True(continuous.TpotMs.P99 > high, $"continuous TPOT p99 {continuous.TpotMs.P99} ms against the decode-only bound {high} ms");
        Assert.Equal(600, disagg.Completed);
    }

    /// <summary>A request alone: its first token comes at the end of its prefill on the prefill instance plus the KV transfer
    /// (the TTFT convention of docs/serving.md), to float precision; the transfer is linear in the prompt.</summary>
    [Theory]
    [InlineData(1024)]
    [InlineData(8192)]
    public void The_kv_transfer_is_in_ttft_and_scales_with_the_prompt(int prompt)
    {
        var workload = $"offline:1,prompt={prompt},output=16";
        var sim = MultiEngine.Disagg(Same, workload);
        var run = MultiEngine.Run(sim, workload).Report;
        double prefill = sim.PrefillPricer.StepSeconds(new[] { new PrefillChunk(prompt, prompt) }, 0, 0);
        double transfer = sim.Transfer.Seconds(0, 0, prompt);
        Assert.Equal((prefill + transfer) * 1e3, run.TtftMs.P50, 3);
        var link = sim.Transfer.LinkBetween(0, 0);
        Assert.Equal("NVLink 4 via NVSwitch", link.Name);
        // 70B: 80 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes = 327,680 bytes a token, 81,920 on each of 4 GPUs.
        double expected = link.LatencySeconds + prompt * 81920.0 / (Deployments.Profile.EtaLink * link.BytesPerSecond);
        Assert.Equal(expected, transfer, 12);
    }

    /// <summary>Instances in different nodes move the cache over the network (one 50 GB/s NIC per GPU), nine times slower than
    /// NVLink; halving the network's bandwidth doubles the transfer's bandwidth term.</summary>
    [Fact]
    public void The_transfer_follows_the_link()
    {
        const string workload = "offline:1,prompt=4096,output=16";
        var near = MultiEngine.Disagg(Same, workload);
        var far = MultiEngine.Disagg("disagg{prefill=tp8x1,decode=tp8x1}", workload, gpus: 16);
        Assert.Contains("InfiniBand", far.Transfer.LinkBetween(0, 0).Name);
        var device = Deployments.H100x8.Device;
        var slow = device with { Network = device.Network with { BytesPerSecond = device.Network.BytesPerSecond / 2 } };
        var slower = MultiEngine.Disagg("disagg{prefill=tp8x1,decode=tp8x1}", workload, cluster: new(slow, 2, 8));
        double latency = device.Network.LatencySeconds;
        Assert.Equal(2 * (far.Transfer.Seconds(0, 0, 4096) - latency), slower.Transfer.Seconds(0, 0, 4096) - latency, 12);
        // TP8 holds a token's KV in 327,680 / 8 bytes per GPU; TP4 in twice that, over NVLink's 450 GB/s against 50.
        Assert.Equal(450.0 / 50 / 2, far.Transfer.Seconds(0, 0, 4096 * 1000) / near.Transfer.Seconds(0, 0, 4096 * 1000), 2);
        double ttftFar = MultiEngine.Run(far, workload).Report.TtftMs.P50, ttftSlower = MultiEngine.Run(slower, workload).Report.TtftMs.P50;
        Assert.Equal((slower.Transfer.Seconds(0, 0, 4096) - far.Transfer.Seconds(0, 0, 4096)) * 1e3, ttftSlower - ttftFar, 3);
    }

    /// <summary>The instances must use exactly the cluster's GPUs, and every request completes on a decode instance with all its
    /// tokens whichever instance it went to (two prefill instances, two decode instances).</summary>
    [Fact]
    public void Instances_add_up_to_the_gpus_and_share_the_traffic()
    {
        var d = new Ir.Diagnostics.DiagnosticBag();
        var spec = Specs.SchedulerSpec.Parse("disagg{prefill=tp4x2,decode=tp8x1}", d)!;
        Assert.Equal("disagg: prefill=tp4x2 takes 8 GPU(s) (2 x 4) and decode=tp8x1 takes 8 (1 x 8), 16 in all, but --gpus is 8",
            Disaggregation.DisaggregatedSimulation.CheckGpus(spec, 8));
        Assert.Null(Disaggregation.DisaggregatedSimulation.CheckGpus(spec, 16));
        const string workload = "poisson:rate=3,prompt=uniform:512-4096,output=uniform:16-256";
        var run = MultiEngine.Run(MultiEngine.Disagg("disagg{prefill=tp2x2,decode=tp2x2}", workload), workload, requests: 500).Report;
        Assert.Equal(500, run.Completed);
        Assert.Equal(0, run.Rejected);
    }
}
