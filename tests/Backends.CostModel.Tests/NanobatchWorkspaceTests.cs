using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// The memory plan's activation workspace under the overlap pass's nano-batches (docs/cost-model.md "Memory plan"). The
/// prefill chunk was evaluated as one sequence, so a nano-batch's shapes (batch / N) were 0 rows and the figure fell to the
/// embedding's, 0.067 GB at 2 and at 4 nano-batches, where the unsplit Llama-3-8B needs 0.268 GB.
/// </summary>
public class NanobatchWorkspaceTests
{
    // Llama-3-8B at tp=8, batch 64 x 2,048-token prompts: the chunk is max_batched_tokens = 8,192 rows of 4096 bf16.
    private const double Row = 4096 * 2;

    [Theory]
    // Unsplit: the fused residual add and norm, two inputs and two outputs of 8,192 rows.
    [InlineData("", 4 * 8192 * Row, 268_435_456)]
    // Two nano-batches: that kernel over one nano-batch's 4,096 rows, beside the other's all-reduce (4,096 rows) in flight.
    [InlineData("overlap", 4 * 4096 * Row + 4096 * Row, 167_772_160)]
    // Four: the norm kernel over 2,048 rows (67.1 MB) is now below the embedding outside the split (8,192 int32 ids in,
    // 8,192 rows out), and one nano-batch's all-reduce (2,048 rows) is in flight.
    [InlineData("overlap{nanobatches=4}", 8192 * 4 + 8192 * Row + 2048 * Row, 83_918_848)]
    // Collectives fused into their GEMMs split nothing: the unsplit figure.
    [InlineData("overlap{mode=fused-collective}", 4 * 8192 * Row, 268_435_456)]
    public void Each_nano_batch_holds_its_share_and_one_collective_is_in_flight(string passes, double byHand, double bytes)
    {
        Assert.Equal(byHand, bytes);
        var predictor = Models.Predictor("llama-3-8b", "h100-sxm", new Deployment(new ParallelLayout(8)), EfficiencyProfile.Find("default")!, passes: passes);
        Assert.Equal(bytes, predictor.Predict(new Workload(64, 2048, 4096), details: false).Memory.ActivationBytes);
    }
}
