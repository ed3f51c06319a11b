using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>
/// A model ready to generate on a backend, in one call: the module flattened (<c>inline,canonicalize</c>)
/// and run through an optional pipeline (e.g. <c>quantize{weights=fp8-e4m3},fuse</c>), its weights read
/// from a safetensors file and checked by name and shape, and a program on the backend. What the typed
/// runner the source generator emits (<c>TinyMoe.Load(path, backend)</c>) returns.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private readonly Generator _generator;

    private ModelRunner(IlgpuProgram program)
    {
        Program = program;
        _generator = new Generator(program);
    }

    public IlgpuProgram Program { get; }
    public Module Module => Program.Module;

    /// <summary>Seconds each step of the last generation took (the prefill first).</summary>
    public IReadOnlyList<double> StepSeconds => _generator.StepSeconds;

    /// <summary>Loads weights for <paramref name="module"/> and prepares it on the backend. Throws
    /// <see cref="IlgpuExecutionException"/> (BadWeights, naming each missing or mis-shaped tensor, or the
    /// file's problem) or <see cref="ArgumentException"/> for a pipeline that does not parse or fails.</summary>
    public static ModelRunner Load(Module module, string weightsPath, IlgpuBackend backend, string? passes = null)
    {
        if (backend is null) throw new ArgumentNullException(nameof(backend));
        var optimized = Prepare(module, passes);
        return new ModelRunner(new IlgpuProgram(backend, optimized, ReadWeights(optimized, weightsPath)));
    }

    /// <summary>The module as it runs: <c>inline,canonicalize</c> (whose weight names the weights file uses)
    /// and then <paramref name="passes"/>, if any.</summary>
    public static Module Prepare(Module module, string? passes = null)
    {
        if (module is null) throw new ArgumentNullException(nameof(module));
        var diagnostics = new DiagnosticBag();
        var parsed = Pipeline.Parse(passes ?? "", diagnostics) ?? throw new ArgumentException("pipeline: " + string.Join("; ", diagnostics.Items), nameof(passes));
        var run = new PassManager(StandardPipelines.Flatten.Append(parsed)).Run(module);
        return run.Module ?? throw new ArgumentException("pipeline failed: " + string.Join("; ", run.Diagnostics), nameof(passes));
    }

    /// <summary>Generates up to <paramref name="maxNew"/> tokens after the prompt (greedy unless sampling says otherwise).</summary>
    public IReadOnlyList<int> Generate(IReadOnlyList<int> prompt, int maxNew, SamplingOptions? sampling = null) =>
        _generator.Generate(prompt, maxNew, sampling).Tokens;

    private static WeightSet ReadWeights(Module module, string path)
    {
        try
        {
            return WeightSet.FromArrays(WeightMapping.LoadFile(module, path).Select(w => (w.Name, w.Shape, w.Values)));
        }
        catch (WeightMappingException e)
        {
            throw new IlgpuExecutionException(ExecutionFailure.BadWeights, $"weights '{path}' do not fit model '{module.Name}': {e.Report}", e);
        }
        catch (Exception e) when (e is SafetensorsException or System.IO.IOException or UnauthorizedAccessException)
        {
            throw new IlgpuExecutionException(ExecutionFailure.BadWeights, $"cannot read weights '{path}': {e.Message}", e);
        }
    }

    public void Dispose() => Program.Dispose();
}
