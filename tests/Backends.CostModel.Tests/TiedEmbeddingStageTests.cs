using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// Under pipeline parallelism a tied embedding is read on two stages: the first looks tokens up in it, the last's LM head
/// multiplies by it, so both hold the table (as Megatron-LM and vLLM keep it on each). The last stage used to count only
/// its layers and the final norm, short by the whole table.
/// </summary>
public class TiedEmbeddingStageTests
{
    private static double[] StageWeightBytes(string sample, int pp, bool prefill = false)
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Models.Sample(sample), new Deployment(new ParallelLayout(1, 1, 1, pp)), "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        return (prefill ? compiled!.PrefillPlan : compiled!.DecodePlan).Stages.Select(s => s.WeightBytes).ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Both_ends_of_the_pipeline_hold_a_tied_embedding(bool prefill)
    {
        // tiny-dense in f32: the table 512 x 128 = 262,144 B, a layer 147,712 parameters = 590,848 B, the final norm 512 B.
        const double table = 512 * 128 * 4, layer = 147_712 * 4, norm = 128 * 4;
        Assert.Equal(new[] { table + 2 * layer, 2 * layer + norm + table }, StageWeightBytes("tiny-dense", 2, prefill));
        Assert.Equal(new[] { table + 4 * layer + norm }, StageWeightBytes("tiny-dense", 1, prefill));
    }

    /// <summary>An untied model's embedding and LM head each sit on one stage: the stages add up to the model's weights.</summary>
    [Fact]
    public void Untied_weights_are_counted_once()
    {
        var stages = StageWeightBytes("llama-3-8b", 2);
        Assert.Equal(16_060_522_496.0, stages.Sum());
        // Stage 0 has the embedding (128256 x 4096 bf16) and 16 layers; stage 1 has 16 layers, the final norm and the LM head.
        Assert.Equal(stages[0] + 4096 * 2, stages[1]);
    }
}
