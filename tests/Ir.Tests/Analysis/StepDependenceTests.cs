using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Text;

namespace GraphDsl.Ir.Tests.Analysis;

/// <summary>What a decode step holds of the work done once per request (docs/cost-model.md, "Step-invariant work"), where
/// a fused kernel mixes the two: the kernel reads the per-request value it is given, and what its members compute from it
/// inside the kernel is its own work, not a cache.</summary>
public class StepDependenceTests
{
    private const string MixedKernel = """
        module @Mixed {
          graph {
            %0 = core.input {name = "src"} : bf16[batch, ctx, 8]
            %1 = core.input {name = "tokens"} : bf16[batch, seq, 8]
            %2 = core.weight {name = "w"} : bf16[8, 8]
            %3 = nn.matmul %0, %2 : bf16[batch, ctx, 8]
            %4 = fused.kernel %1, %3, %2 {kind = "attention", rules = "attention"} : bf16[batch, seq, 1, 8] {
            ^(%5: bf16[batch, seq, 8], %6: bf16[batch, ctx, 8], %7: bf16[8, 8]):
              %8 = nn.matmul %6, %7 : bf16[batch, ctx, 8]
              %9 = nn.reshape %8 {shape = [batch, ctx, 1, 8]} : bf16[batch, ctx, 1, 8]
              %10 = nn.reshape %5 {shape = [batch, seq, 1, 8]} : bf16[batch, seq, 1, 8]
              %11 = nn.attention %10, %9, %9 {causal = false} : bf16[batch, seq, 1, 8]
              core.yield %11
            }
            core.output %4 {name = "y"}
          }
        }
        """;

    [Fact]
    public void A_step_kernel_holds_the_per_request_value_it_reads_and_not_its_members_intermediates()
    {
        var m = IrParser.Parse(MixedKernel, "mixed.gir");
        var dependence = StepDependence.Analyze(m);
        var walked = ModelWalker.Walk(m).ToList();
        Assert.Equal(walked.Count, dependence.Of.Count);
        Dependence Of(string name, int nth = 0) => dependence.Of[walked.FindIndex(w => w.Op.Name == name && nth-- == 0)];
        Assert.Equal(Dependence.PerRequest, Of("nn.matmul"));
        Assert.Equal(Dependence.PerStep, Of("fused.kernel"));
        Assert.Equal(Dependence.PerRequest, Of("nn.matmul", 1));
        Assert.Equal(Dependence.PerStep, Of("nn.attention"));
        var held = Assert.Single(dependence.Held);
        Assert.Equal("nn.matmul", held.Value.Owner!.Name);
        Assert.Same(m.Body, held.Value.Owner.ParentRegion);
        Assert.Equal("fused.kernel", walked[held.Consumer].Op.Name);
        Assert.Equal((16.0, 0.0), RequestValueBytes.Of(held, _ => null));
    }
}
