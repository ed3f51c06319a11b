using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Lowering;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Ilgpu.Weights;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>
/// A module ready to run on an <see cref="IlgpuBackend"/>: its weights on the device (uploaded on first
/// use, in the format the module stores them), its KV caches, and a trace per step shape. A step binds
/// the shape symbols from its inputs (ctx = tokens already cached + seq), reuses or traces the step,
/// lays the intermediates into one arena by liveness, uploads the inputs, launches the instructions
/// and reads the outputs back. Same conventions as the reference interpreter (see its README), which
/// it is tested against. Run <c>inline,canonicalize</c> (and any of fuse, quantize) first.
/// </summary>
public sealed class IlgpuProgram : ITokenModel, IDisposable
{
    private const int MaxTraces = 64;
    private readonly IlgpuBackend _backend;
    private readonly DeviceWeightStore _weights;
    private readonly DeviceCaches _caches;
    private readonly RopeTables _rope;
    private readonly Func<string, long?> _params;
    private readonly Operation[] _inputs;
    private readonly Dictionary<(int Batch, int Seq, int Ctx), StepTrace> _traces = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _arena;

    public IlgpuProgram(IlgpuBackend backend, Module module, WeightSet weights)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        Module = module ?? throw new ArgumentNullException(nameof(module));
        foreach (var op in module.WalkAll())
            if (OpLowerings.Find(op.Def) is null)
                throw new IlgpuExecutionException(ExecutionFailure.Unsupported, $"{op.Name}: the ILGPU backend has no kernel for this op");
        _params = IrBuilder.Resolver(module);
        _inputs = module.Body.Walk().Where(op => op.Def.Structure == OpStructure.Input).ToArray();
        _weights = new DeviceWeightStore(backend.Accelerator, module, weights ?? throw new ArgumentNullException(nameof(weights)));
        _caches = new DeviceCaches(backend.Accelerator);
        _rope = new RopeTables(backend.Accelerator);
    }

    public Module Module { get; }

    /// <summary>Tokens processed since the last reset: the position of the next step's first token.</summary>
    public int TokensSeen => _caches.TokensSeen;

    /// <summary>What the last successful step ran.</summary>
    public StepReport? LastStep { get; private set; }

    /// <summary>Runs one step with the named inputs and returns the named outputs (host copies).</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        if (inputs is null) throw new ArgumentNullException(nameof(inputs));
        var symbols = Bind(inputs);
        int batch = (int)symbols.GetValueOrDefault("batch", 1), seq = (int)symbols.GetValueOrDefault("seq", 1);
        var trace = TraceFor(symbols, batch, seq);
        var host = inputs.ToDictionary(kv => kv.Key, kv => kv.Value.Data);
        foreach (var (input, vocabulary, op) in trace.IdChecks)
        {
            var ids = host[input];
            for (int i = 0; i < ids.Length; i++)
                if (!(ids[i] >= 0 && ids[i] < vocabulary) || ids[i] != Math.Floor(ids[i]))
                    throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"{op}: token id {ids[i]} at index {i} of input '{input}' is outside the vocabulary 0..{vocabulary - 1}");
        }
        var arena = Arena(trace.Plan.PeakBytes / sizeof(float));
        var run = new StepRun(arena, _caches.TokensSeen, host, _caches, _rope, _backend.Kernels);
        foreach (var instruction in trace.Instructions) instruction.Run(run);
        _backend.Accelerator.Synchronize();
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in trace.Outputs)
        {
            var data = new float[value.Count];
            HostTransfer.Download(run.View(value), data);
            outputs[name] = new Tensor(value.Shape, data);
        }
        _caches.TokensSeen += seq;
        _caches.Batch = batch;
        LastStep = new StepReport(trace.Instructions.Length, trace.Plan, trace.FusionPatterns, _weights.DeviceBytes, _caches.Bytes);
        return outputs;
    }

    /// <summary>Runs one step on token ids [batch, seq] and returns the output named logits (or the only one).</summary>
    public Tensor Step(Tensor tokens)
    {
        var outputs = Run(new Dictionary<string, Tensor> { ["tokens"] = tokens });
        if (outputs.TryGetValue("logits", out var logits)) return logits;
        if (outputs.Count == 1) return outputs.Values.First();
        throw new IlgpuExecutionException(ExecutionFailure.Unsupported, $"the module has outputs {string.Join(", ", outputs.Keys)}; none is named 'logits'");
    }

    /// <summary>Empties the KV caches: the next step starts a new sequence at position 0.</summary>
    public void Reset() => _caches.Reset();

    private Dictionary<string, long> Bind(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var op in _inputs)
        {
            var name = op.Attributes.GetString("name") ?? "";
            if (!inputs.TryGetValue(name, out var t))
                throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"core.input '{name}': no tensor was given for this input");
            var shape = op.Result.Type.Shape;
            if (shape.Rank != t.Rank) throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"core.input '{name}': expects {shape} but got {t.ShapeText}");
            for (int d = 0; d < shape.Rank; d++)
                if (shape[d] is SymDim s)
                {
                    if (symbols.TryGetValue(s.Name, out var bound) && bound != t.Dim(d))
                        throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"core.input '{name}': {s.Name} = {t.Dim(d)} disagrees with {s.Name} = {bound} bound by another input");
                    symbols[s.Name] = t.Dim(d);
                }
        }
        foreach (var given in inputs.Keys)
            if (!_inputs.Any(op => op.Attributes.GetString("name") == given))
                throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"input '{given}' is not an input of module @{Module.Name}");
        if (!symbols.ContainsKey("ctx") && symbols.TryGetValue("seq", out var seq)) symbols["ctx"] = _caches.TokensSeen + seq;
        if (_caches.TokensSeen > 0 && _caches.Batch is { } cached && symbols.TryGetValue("batch", out var batch) && batch != cached)
            throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"the cache holds a batch of {cached} sequences but this step has batch = {batch}");
        foreach (var op in _inputs)
        {
            var shape = op.Result.Type.Shape;
            var t = inputs[op.Attributes.GetString("name") ?? ""];
            for (int d = 0; d < shape.Rank; d++)
                if (shape[d].Evaluate(_params, n => symbols.TryGetValue(n, out var v) ? v : null) != t.Dim(d))
                    throw new IlgpuExecutionException(ExecutionFailure.BadInput, $"core.input '{op.Attributes.GetString("name")}': expects {shape} but got {t.ShapeText}");
        }
        return symbols;
    }

    /// <summary>The trace of a step of this shape: one per (batch, seq), or per ctx too when an
    /// intermediate's size depends on the context length.</summary>
    private StepTrace TraceFor(Dictionary<string, long> symbols, int batch, int seq)
    {
        int ctx = (int)symbols.GetValueOrDefault("ctx", 0);
        if (_traces.TryGetValue((batch, seq, -1), out var trace) || _traces.TryGetValue((batch, seq, ctx), out trace)) return trace;
        var context = new TraceContext(Module, _params, symbols, _weights, _backend.Kernels);
        context.RunRegion(Module.Body, Array.Empty<TValue>(), "", seesOuter: false);
        trace = new StepTrace(context);
        if (_traces.Count >= MaxTraces) _traces.Clear();
        _traces[(batch, seq, trace.DependsOnContext ? ctx : -1)] = trace;
        return trace;
    }

    private ArrayView<float> Arena(long floats)
    {
        floats = Math.Max(1, floats);
        if (_arena is null || _arena.Length < floats)
        {
            _arena?.Dispose();
            _arena = _backend.Accelerator.Allocate1D<float>(floats);
        }
        return _arena.View;
    }

    public void Dispose()
    {
        _arena?.Dispose();
        _caches.Dispose();
        _rope.Dispose();
        _weights.Dispose();
    }
}
