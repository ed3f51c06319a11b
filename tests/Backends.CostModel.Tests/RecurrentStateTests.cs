using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// The recurrent state of hybrid models (samples/tiny-hybrid.moe: 6 gated DeltaNet layers with 4 value heads of
/// 32 x 32, short convolutions over 64 + 64 + 128 channels of width 4, 2 attention layers with 2 KV heads of 32, all f32)
/// in the statistics, the memory plan and the op costs, against closed forms.
/// </summary>
public class RecurrentStateTests
{
    // Per DeltaNet layer: 4 x 32 x 32 f32 = 16,384 B of delta-rule state and (64 + 64 + 128) x 3 f32 = 3,072 B of kept inputs.
    private const double StatePerSequence = 6 * (4 * 32 * 32 * 4 + (64 + 64 + 128) * 3 * 4);
    // Per token, the two attention layers' keys and values: 2 x 2 x 2 heads x 32 x 4 B.
    private const double KvPerToken = 2 * 2 * 2 * 32 * 4;

    [Fact]
    public void Stats_report_the_state_per_sequence_and_kv_only_for_the_attention_layers()
    {
        var stats = ModelStats.Compute(Models.Sample("tiny-hybrid"), prompt: 512, context: 4096);
        Assert.Equal(StatePerSequence, stats.StateBytesPerSequence);
        Assert.Equal(KvPerToken, stats.KvBytesPerToken);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(131072)]
    public void The_memory_plan_holds_the_state_of_every_sequence_whatever_the_context(long context)
    {
        var predictor = Models.Predictor("tiny-hybrid", "h100-sxm", new Deployment(new ParallelLayout(1, 1, 1, 1)));
        var memory = predictor.Predict(new Workload(8, 4096, context), details: false).Memory;
        Assert.Equal(StatePerSequence, memory.StateBytesPerSequence);
        Assert.Equal(8 * StatePerSequence, memory.StateBytes);
        Assert.Equal(KvPerToken * context, memory.KvBytesPerSequence);
        Assert.Equal(memory.CapacityBytes - memory.WeightBytes - memory.KvBytes - memory.StateBytes - memory.ActivationBytes - memory.ReserveBytes,
            memory.FreeBytes, 1e-3);
        // The largest batch fits its KV cache and state; one more sequence does not (8 prompts of 4096 fill the workspace
        // already, so only the cache and the state grow with the batch).
        long max = memory.MaxBatchPerReplica;
        Assert.True(predictor.Predict(new Workload(max, 4096, context), details: false).Feasible);
        Assert.False(predictor.Predict(new Workload(max + 1, 4096, context), details: false).Feasible);
    }

    private static (double Flops, double StateBytes) Cost(OpDef def, CostPhase phase, long batch, long seq)
    {
        var m = Models.Sample("tiny-hybrid");
        var op = m.WalkAll().First(o => o.Def == def);
        var cost = def.Cost!(new CostContext(op, IrBuilder.Resolver(m), phase));
        long? Sym(string s) => s switch { "batch" => batch, "seq" => seq, "ctx" => seq, _ => null };
        return (cost.Flops.Evaluate(Sym)!.Value, cost.KvBytes.Evaluate(Sym)!.Value);
    }

    /// <summary>Gated DeltaNet: decode 7 dk dv per value head and token; prefill in chunks of 64,
    /// 6 C dk + 4 C dv + C^2/3 + 6 dk dv; the state (16,384 B) read and written once per sequence and step.</summary>
    [Fact]
    public void Gated_delta_is_priced_recurrent_in_decode_and_chunked_in_prefill()
    {
        var decode = Cost(RecurrentOps.GatedDelta, CostPhase.Decode, batch: 8, seq: 1);
        Assert.Equal(8 * 4 * 7.0 * 32 * 32, decode.Flops);
        Assert.Equal(8 * 2.0 * 16384, decode.StateBytes);
        var prefill = Cost(RecurrentOps.GatedDelta, CostPhase.Prefill, batch: 2, seq: 1000);
        Assert.Equal(2 * 1000 * 4 * (6.0 * 64 * 32 + 4.0 * 64 * 32 + 64.0 * 64 / 3 + 6.0 * 32 * 32), prefill.Flops, 1e-6);
        Assert.Equal(2 * 2.0 * 16384, prefill.StateBytes);
    }

    /// <summary>The short convolution: 2 FLOPs per tap and element, its 3 kept inputs per channel read and written per step.</summary>
    [Fact]
    public void Causal_conv_reads_and_writes_its_kept_inputs_once_per_step()
    {
        var decode = Cost(RecurrentOps.CausalConv1d, CostPhase.Decode, batch: 8, seq: 1);
        Assert.Equal(8 * 64 * 2.0 * 4, decode.Flops);
        Assert.Equal(8 * 2.0 * 64 * 3 * 4, decode.StateBytes);
    }
}
