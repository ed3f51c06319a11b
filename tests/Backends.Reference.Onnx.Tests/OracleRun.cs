using System.Collections.Generic;
using GraphDsl.Backends.Reference.Onnx.Tests.Export;
using GraphDsl.Backends.Reference.Onnx.Tests.Runtime;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>One module with one weight set on both sides: the reference interpreter and the module
/// exported to ONNX under ONNX Runtime, each with its own cache, stepped together.</summary>
internal sealed class OracleRun : System.IDisposable
{
    private readonly Interpreter _interpreter;
    private readonly KvCacheState _referenceCache = new();
    private readonly OnnxRunner _onnx;
    private readonly OnnxCache _onnxCache = new();

    public OracleRun(Module module, WeightSet weights)
    {
        _interpreter = new Interpreter(module, weights);
        Exported = OnnxExporter.Export(module, weights);
        _onnx = new OnnxRunner(Exported);
    }

    public ExportedModel Exported { get; }

    /// <summary>Runs one step on both; returns each output as (reference, onnx).</summary>
    public IReadOnlyDictionary<string, (Tensor Reference, Tensor Onnx)> Step(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var reference = _interpreter.Run(inputs, _referenceCache);
        var onnx = _onnx.Run(inputs, _onnxCache);
        var pairs = new Dictionary<string, (Tensor, Tensor)>();
        foreach (var kv in reference)
        {
            Assert.True(onnx.ContainsKey(kv.Key), $"the exported model has no output '{kv.Key}'");
            pairs[kv.Key] = (kv.Value, onnx[kv.Key]);
        }
        Assert.Equal(reference.Count, onnx.Count);
        return pairs;
    }

    public void Dispose() => _onnx.Dispose();
}
