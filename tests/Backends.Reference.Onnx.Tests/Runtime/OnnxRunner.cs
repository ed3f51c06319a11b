using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference.Onnx.Tests.Export;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Runtime;

/// <summary>
/// Runs an exported model with ONNX Runtime one step at a time, as <see cref="Interpreter.Run"/> does:
/// the module's inputs by name in, its outputs by name out, and each cache slot's present fed back as the
/// next step's past. Graph optimizations are off, so ONNX Runtime runs the standard operators exactly as
/// exported (its fusions would swap in its own contrib kernels), on one thread, so a run's summation
/// order does not depend on the machine's load.
/// </summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxRunner(ExportedModel model)
    {
        Model = model;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(model.Bytes, options);
    }

    public ExportedModel Model { get; }

    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, OnnxCache cache)
    {
        var values = new List<OrtValue>();
        try
        {
            var names = new List<string>();
            foreach (var input in Model.Inputs)
            {
                var tensor = inputs.TryGetValue(input.Name, out var t) ? t : throw new ArgumentException($"no tensor was given for input '{input.Name}'");
                values.Add(ToOrtValue(tensor, input.Type));
                names.Add(input.Name);
            }
            long batch = Model.Inputs.Count == 0 ? 1 : inputs[Model.Inputs[0].Name].Dim(0);
            foreach (var slot in Model.Caches)
            {
                var (data, shape) = cache.TryGet(slot.Past, out var e) ? e : (Array.Empty<float>(), new[] { batch, 0L }.Concat(slot.EntryDims).ToArray());
                values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                names.Add(slot.Past);
            }
            var outputNames = Model.Outputs.Concat(Model.Caches.Select(s => s.Present)).ToArray();
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, outputNames);
            var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (int i = 0; i < Model.Outputs.Count; i++) outputs[Model.Outputs[i]] = ToTensor(results[i]);
            var presents = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
            for (int i = 0; i < Model.Caches.Count; i++)
            {
                var present = results[Model.Outputs.Count + i];
                presents[Model.Caches[i].Past] = (present.GetTensorDataAsSpan<float>().ToArray(), present.GetTensorTypeAndShape().Shape);
            }
            cache.Commit(presents);
            return outputs;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();

    private static OrtValue ToOrtValue(Tensor t, OnnxElementType type)
    {
        var shape = t.Shape.Select(d => (long)d).ToArray();
        return type switch
        {
            OnnxElementType.Float => OrtValue.CreateTensorValueFromMemory(t.Data, shape),
            OnnxElementType.Int32 => OrtValue.CreateTensorValueFromMemory(t.ToInts(), shape),
            _ => throw new NotSupportedException($"inputs of type {type}"),
        };
    }

    /// <summary>Reference tensors hold f32; integer outputs (expert ids) are exact in it.</summary>
    private static Tensor ToTensor(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape.Select(d => checked((int)d)).ToArray();
        var data = info.ElementDataType switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray().Select(i => (float)i).ToArray(),
            var other => throw new NotSupportedException($"outputs of type {other}"),
        };
        return new Tensor(shape, data);
    }
}
