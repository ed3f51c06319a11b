using System;
using System.Linq;
using GraphDsl.Backends.Reference.Onnx.Tests.Export;
using GraphDsl.Backends.Reference.Onnx.Tests.Runtime;
using GraphDsl.Backends.Reference.Tests;
using Xunit.Abstractions;
namespace GraphDsl.Backends.Reference.Onnx.Tests;
public class Explore(ITestOutputHelper o)
{
    [Theory, InlineData("tiny-dense"), InlineData("tiny-moe")]
    public void Run(string name)
    {
        var m = TestModels.Sample(name);
        var w = TestModels.SeededWeights(m);
        var ex = OnnxExporter.Export(m, w);
        o.WriteLine($"bytes {ex.Bytes.Length} nodes {ex.Nodes.Count} caches {ex.Caches.Count}");
        using var onnx = new OnnxTokenModel(ex);
        var reference = new GraphDsl.Backends.Reference.Generation.InterpreterModel(new Interpreter(m, w));
        var steps = new[] { Tensor.FromInts(new[] { 2, 5 }, 1, 17, 42, 7, 300, 5, 9, 11, 400, 2), Tensor.FromInts(new[] { 2, 1 }, 3, 4), Tensor.FromInts(new[] { 2, 1 }, 99, 100), Tensor.FromInts(new[] { 2, 2 }, 8, 9, 10, 11) };
        foreach (var s in steps)
        {
            var a = reference.Step(s); var b = onnx.Step(s);
            double maxAbs = 0, maxRef = 0, maxRel = 0;
            for (int i = 0; i < a.Count; i++) { var d = Math.Abs(a.Data[i] - b.Data[i]); maxAbs = Math.Max(maxAbs, d); maxRef = Math.Max(maxRef, Math.Abs(a.Data[i])); maxRel = Math.Max(maxRel, d / Math.Max(Math.Abs(a.Data[i]), 1e-3)); }
            o.WriteLine($"{a.ShapeText} {b.ShapeText} maxAbs {maxAbs:E3} maxRef {maxRef:F3} maxRel {maxRel:E3}");
        }
    }
}
