using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Text;

namespace GraphDsl.Frontend.Tests.Ops;

/// <summary>Squared ReLU (<c>nn.relu2</c>, Nemotron-H's MLP activation), the op issue 16 added to show that an
/// elementwise op is its declaration, its reference kernel and its ILGPU lowering: .moe source selects it by
/// name like the other activations, and its cost reaches the model statistics.</summary>
public class SquaredReluTests
{
    /// <summary>A plain FFN (up, activation, down) of width 48 over d = 16, two layers.</summary>
    private static string Mlp(string act) => $$"""
        import "std/ffn"
        model Mlp {
          dtype f32
          input x: [batch, seq, 16]
          let h = x
          repeat 2 as layers {
            h = h + ffn(h, 48, act: "{{act}}", name: "mlp")
          }
          output y = h
        }
        """;

    private static GraphDsl.Ir.Graph.Module Compile(string source)
    {
        var r = Compiler.Compile(new SourceText("mlp.moe", source));
        Assert.True(r.Module is not null, string.Join("\n", r.Diagnostics.Select(d => d.Message)));
        return r.Module!;
    }

    [Theory]
    [InlineData("relu2")]
    [InlineData("squared_relu")]
    public void Both_names_select_nn_relu2(string name)
    {
        var module = Compile(Mlp(name));
        Assert.Contains(module.WalkAll(), o => o.Def == NnOps.Relu2);
        Assert.Contains("nn.relu2 %", IrPrinter.Print(module));
    }

    [Fact]
    public void Its_cost_is_two_flops_per_element_in_the_model_statistics()
    {
        // Per token and layer the FFN's activation sees 48 elements: relu2 costs 2 FLOPs each (compare, square),
        // relu 1, so the models differ by 2 layers x 48 x (2 - 1) = 96 FLOPs per token; everything else is equal.
        var relu2 = ModelStats.Compute(Compile(Mlp("relu2")));
        var relu = ModelStats.Compute(Compile(Mlp("relu")));
        Assert.Equal(96.0, relu2.DecodeFlopsPerToken - relu.DecodeFlopsPerToken, 9);
        Assert.Equal(96.0, relu2.PrefillFlopsPerToken - relu.PrefillFlopsPerToken, 9);
        Assert.Equal(relu.TotalParams, relu2.TotalParams);
    }
}
