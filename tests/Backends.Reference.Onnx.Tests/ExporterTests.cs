using System;
using System.Linq;
using System.Text;
using GraphDsl.Backends.Reference.Onnx.Tests.Export;
using GraphDsl.Backends.Reference.Tests;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>What the exporter writes (the ONNX operators each IR op becomes) and what it refuses.</summary>
public sealed class ExporterTests
{
    /// <summary>For each IR op kind of tiny-moe, the ONNX operators of its first occurrence, in order: the
    /// lowering at a glance, and a change to it shows up in review.</summary>
    [Fact]
    public void Each_op_kind_of_tiny_moe_lowers_to_standard_operators()
    {
        var module = TestModels.Sample("tiny-moe");
        var exported = OnnxExporter.Export(module, TestModels.SeededWeights(module));
        var text = new StringBuilder();
        text.Append("opset ").Append(OnnxExporter.Opset).Append(", ").Append(exported.Nodes.Count).Append(" nodes, ")
            .Append(exported.Caches.Count).Append(" cache slots (")
            .Append(string.Join(", ", exported.Caches.Select(c => c.Path).Distinct())).Append(")\n");
        foreach (var group in exported.Nodes.GroupBy(n => n.Doc.Split(' ')[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First().Doc;
            text.Append(group.Key).Append(": ").Append(string.Join(" ", group.Where(n => n.Doc == first).Select(n => n.OpType))).Append('\n');
        }
        Snapshot.Verify(text.ToString());
    }

    [Fact]
    public void A_form_without_a_lowering_is_refused_naming_the_op()
    {
        var module = TestModels.FromIr("""
            module @windowed {
              graph {
                %0 = core.input {name = "q"} : f32[batch, seq, 2, 8]
                %1 = nn.attention %0, %0, %0 {window = 4} : f32[batch, seq, 2, 8]
                core.output %1 {name = "y"}
              }
            }
            """);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(module, new WeightSet()));
        Assert.Equal("nn.attention: window = 4 is not lowered to ONNX (only the default)", e.Message);
    }

    [Fact]
    public void An_op_without_a_lowering_is_refused_naming_the_op()
    {
        var module = TestModels.FromIr("""
            module @gelu {
              graph {
                %0 = core.input {name = "x"} : f32[batch, seq, 8]
                %1 = nn.gelu %0 : f32[batch, seq, 8]
                core.output %1 {name = "y"}
              }
            }
            """);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(module, new WeightSet()));
        Assert.Equal("nn.gelu: the ONNX exporter has no lowering for this op", e.Message);
    }
}
