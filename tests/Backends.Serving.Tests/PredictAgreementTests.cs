using System;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>
/// Where the simulator must agree with <c>predict</c> (issue 17's done-means): an offline batch under the static scheduler
/// is predict's model, and a request alone on the engine (a very low rate) sees predict's single-request TTFT and TPOT.
/// </summary>
public class PredictAgreementTests
{
    private const long Prompt = 1024, Output = 128;

    /// <summary>
    /// offline:64 under static: every request gets its first token when the one prefill step of the batch ends, which is
    /// predict's prefill.batch_ms (the same evaluator call: equal to float precision, 1e-6). Decodes then run at contexts
    /// P+1 ... P+O-1 where predict prices O steps at P + O/2: TPOT within 1% (the decode step is close to linear in the
    /// context), output tokens/s and end-to-end latency within 1%.
    /// </summary>
    [Fact]
    public void Offline_static_reproduces_predict()
    {
        const long batch = 64;
        var run = Deployments.Serve($"offline:{batch},prompt={Prompt},output={Output}", "static");
        var p = Deployments.Llama70bTp8.Predict(new Workload(batch, Prompt, Prompt + Output / 2, Output), details: false);
        var m = run.Report;
        Assert.Equal(batch, m.Completed);
        Assert.Equal(0, m.Preemptions);
        Assert.Equal(1 + (Output - 1), m.Steps);
        Relative(p.Prefill.Milliseconds, m.TtftMs.P50, 1e-6);
        Relative(p.Prefill.Milliseconds, m.TtftMs.P99, 1e-6);
        Relative(p.TpotMs, m.TpotMs.Mean, 0.01);
        Relative(p.OutputTokensPerSecond!.Value, m.OutputTokensPerSecond, 0.01);
        Relative(p.Prefill.Milliseconds + Output * p.TpotMs, m.E2eMs.P50, 0.01);
        Assert.Equal(0, run.Kv.UsedBlocks);
    }

    /// <summary>poisson at 0.02 requests/s (a request every 50 s, each served in ~1.3 s): nearly every request is alone, so
    /// p50 TTFT is predict's batch-1 TTFT and p50 TPOT predict's batch-1 decode step at the mean context, within 5%.</summary>
    [Theory]
    [InlineData("continuous")]
    [InlineData("chunked{budget=2048}")]
    public void A_request_alone_sees_predicts_single_request_figures(string scheduler)
    {
        var run = Deployments.Serve($"poisson:rate=0.02,prompt={Prompt},output={Output}", scheduler, requests: 200);
        var p = Deployments.Llama70bTp8.Predict(new Workload(1, Prompt, Prompt + Output / 2, Output), details: false);
        Relative(p.TtftMs, run.Report.TtftMs.P50, 0.05);
        Relative(p.TpotMs, run.Report.TpotMs.P50, 0.05);
        Relative(p.TpotMs, run.Report.ItlMs.P50, 0.05);
    }

    private static void Relative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected} within {tolerance:P2}, got {actual} ({(actual / expected - 1):P3})");
}
