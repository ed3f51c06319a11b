using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>disagg{...} and colocated{...}: the instance layout grammar, canonical printing, and the exact diagnostics.</summary>
public class MultiEngineSpecTests
{
    [Theory]
    [InlineData("disagg{prefill=tp4x2,decode=tp8x1}", "disagg{prefill=tp4x2,decode=tp8x1}")]
    [InlineData("disagg{decode=ep8dp8,prefill=tp8,max_batch=128}", "disagg{prefill=tp8x1,decode=dp8ep8x1,max_batch=128}")]
    [InlineData("disagg{prefill=pp2tp4x3,decode=tp1x2,max_tokens=16384}", "disagg{prefill=tp4pp2x3,decode=tp1x2,max_tokens=16384}")]
    [InlineData("colocated{prefill_share=0.25}", "colocated{prefill_share=0.25}")]
    [InlineData("colocated{max_batch=64,prefill_share=.5}", "colocated{prefill_share=0.5,max_batch=64}")]
    [InlineData("colocated{prefill_share=0.001}", "colocated{prefill_share=0.001}")]
    [InlineData("colocated{prefill_share=0.999}", "colocated{prefill_share=0.999}")]
    public void Print_back_canonically(string text, string canonical)
    {
        var d = new DiagnosticBag();
        Assert.Equal(canonical, SchedulerSpec.Parse(text, d)?.ToString());
        Assert.Empty(d.Items);
    }

    [Fact]
    public void Built_in_code_as_parsed()
    {
        var d = new DiagnosticBag();
        Assert.Equal(SchedulerSpec.Parse("disagg{prefill=tp4x2,decode=dp8ep8x1}", d),
            SchedulerSpec.Disaggregated(new InstanceLayout(4, 1, 1, 1, 2), new InstanceLayout(1, 8, 8, 1, 1)));
        Assert.Equal(SchedulerSpec.Parse("colocated{prefill_share=0.4}", d), SchedulerSpec.Colocated(0.4));
        Assert.Equal(16, new InstanceLayout(1, 8, 8, 2, 1).Gpus);
    }

    [Theory]
    [InlineData("disagg{prefill=tq4x2,decode=tp8x1}", "<scheduler>:1:16: error GD0640: prefill: expected tp, ep, dp or pp and a size, found 'tq'; a layout is e.g. tp4x2 or dp8ep8x1")]
    [InlineData("disagg{prefill=tp4x0,decode=tp8x1}", "<scheduler>:1:20: error GD0640: prefill: the instance count after 'x' must be an integer from 1 to 4096, found '0'")]
    [InlineData("disagg{prefill=tp4tp2,decode=tp8x1}", "<scheduler>:1:19: error GD0640: prefill: 'tp' is given twice")]
    [InlineData("disagg{prefill=tp4x2x3,decode=tp8x1}", "<scheduler>:1:21: error GD0640: prefill: unexpected 'x' after the instance count; a layout is e.g. tp4x2 or dp8ep8x1")]
    [InlineData("disagg{prefill=,decode=tp8x1}", "<scheduler>:1:16: error GD0640: prefill: expected a layout such as tp4x2 or dp8ep8x1")]
    [InlineData("disagg{prefill=tpx2,decode=tp8x1}", "<scheduler>:1:18: error GD0640: prefill: tp: expected an integer, found 'x2'")]
    [InlineData("disagg{prefill=tp4x2}", "<scheduler>:1:1: error GD0631: disagg needs decode=...; e.g. disagg{prefill=tp4x1,decode=tp4x1}")]
    [InlineData("disagg{prefill=tp4,budget=1}", "<scheduler>:1:20: error GD0631: disagg has no option 'budget'; its options: prefill, decode, max_batch, max_tokens")]
    [InlineData("colocated{prefill_share=0}", "<scheduler>:1:25: error GD0642: colocated: prefill_share must be above 0 and below 1, found '0': at 0 the prefill stream has no compute and no prompt is ever prefilled; for one stream alone use continuous or chunked")]
    [InlineData("colocated{prefill_share=1}", "<scheduler>:1:25: error GD0642: colocated: prefill_share must be above 0 and below 1, found '1': at 1 the decode stream has no compute and no token is ever decoded; for one stream alone use continuous or chunked")]
    // A share past a thousandth of the compute printed a prompt's TTFT as 10^22 ms and a TPOT of 0.00 ms (at 1e-20).
    [InlineData("colocated{prefill_share=1e-20}", "<scheduler>:1:25: error GD0642: colocated: prefill_share 1e-20 leaves the prefill stream less than 0.001 of the compute, finer than CU masking splits a GPU (one of an H100's 132 SMs is 0.0076); give 0.001 to 0.999")]
    [InlineData("colocated{prefill_share=0.9999999999}", "<scheduler>:1:25: error GD0642: colocated: prefill_share 0.9999999999 leaves the decode stream less than 0.001 of the compute, finer than CU masking splits a GPU (one of an H100's 132 SMs is 0.0076); give 0.001 to 0.999")]
    [InlineData("colocated{prefill_share=1.5}", "<scheduler>:1:25: error GD0642: colocated: prefill_share must be a number from 0 to 1, found '1.5'")]
    [InlineData("colocated{max_batch=8}", "<scheduler>:1:1: error GD0631: colocated needs prefill_share=...; e.g. colocated{prefill_share=0.5}")]
    [InlineData("disagg", "<scheduler>:1:1: error GD0631: disagg needs prefill=...; e.g. disagg{prefill=tp4x1,decode=tp4x1}")]
    public void Bad_specs_are_located(string text, string expected)
    {
        var d = new DiagnosticBag();
        Assert.Null(SchedulerSpec.Parse(text, d));
        Assert.Equal(expected, Assert.Single(d.Items).ToString());
    }
}
