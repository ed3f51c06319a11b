using System;
using System.Collections.Generic;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Backends.Reference.Onnx.Tests.Export;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Runtime;

/// <summary>An exported model under ONNX Runtime as an <see cref="ITokenModel"/>, so the reference's
/// <see cref="Generator"/> drives it exactly as it drives the interpreter.</summary>
internal sealed class OnnxTokenModel : ITokenModel, IDisposable
{
    private readonly OnnxRunner _runner;
    private OnnxCache _cache = new();

    public OnnxTokenModel(ExportedModel model) { _runner = new OnnxRunner(model); }

    public Tensor Step(Tensor tokens) =>
        _runner.Run(new Dictionary<string, Tensor> { ["tokens"] = tokens }, _cache)["logits"];

    public void Reset() => _cache = new OnnxCache();

    public void Dispose() => _runner.Dispose();
}
