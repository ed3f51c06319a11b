using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

// One CPU accelerator serves every test (kernels compile once per accelerator); it is not meant to be
// driven from several threads at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>The shared CPU backend, modules to run, and runs of one module through both ILGPU and the
/// reference interpreter.</summary>
internal static class Harness
{
    private static readonly Lazy<IlgpuBackend> Cpu = new(() => IlgpuBackend.Create(BackendDevice.Cpu));
    private static readonly Lazy<IlgpuBackend> GpuShaped = new(IlgpuBackend.CreateGpuShapedCpu);

    public static IlgpuBackend Backend => Cpu.Value;

    /// <summary>The CPU accelerator with warps of 32 and wide groups: the GPU's code paths.</summary>
    public static IlgpuBackend GpuShapedBackend => GpuShaped.Value;

    public static Module Sample(string name, string pipeline = "") => Apply(Check(Compiler.CompileFile(Repo.Sample(name))), Join("inline,canonicalize", pipeline));

    public static Module FromSource(string source, string pipeline = "") =>
        Apply(Check(Compiler.Compile(new SourceText("test.moe", source))), Join("inline,canonicalize", pipeline));

    /// <summary>A module from the lines of its graph body (hand-written IR).</summary>
    public static Module FromGraph(string graph) => IrParser.Parse("module @t {\n  graph {\n" + graph + "\n  }\n}\n");

    public static Module Apply(Module m, string pipeline)
    {
        if (pipeline.Length == 0) return m;
        var diagnostics = new DiagnosticBag();
        var p = Pipeline.Parse(pipeline, diagnostics) ?? throw new InvalidOperationException(string.Join("\n", diagnostics.Items));
        var run = new PassManager(p, new PassManagerOptions { VerifyEach = true }).Run(m);
        return run.Module ?? throw new InvalidOperationException(string.Join("\n", run.Diagnostics));
    }

    private static string Join(string a, string b) => b.Length == 0 ? a : a + "," + b;

    public static WeightSet SeededWeights(Module m, ulong seed = 1) =>
        WeightSet.FromArrays(WeightInitializer.Create(m, seed).Select(w => (w.Name, w.Shape, w.Values)));

    private static Module Check(CompilationResult r) =>
        r.Module ?? throw new InvalidOperationException(string.Join("\n", r.Diagnostics.Select(d => d.Message)));

    /// <summary>Uniform values in [-scale, scale) from a seed.</summary>
    public static float[] Random(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    public static Tensor RandomTensor(int seed, params int[] shape) => new(shape, Random((int)Tensor.ElementCount(shape), seed));

    /// <summary>Runs the same steps through the reference interpreter and ILGPU; returns both outputs per step.</summary>
    public static (IReadOnlyDictionary<string, Tensor> Reference, IReadOnlyDictionary<string, Tensor> Device)[] Both(
        Module m, WeightSet weights, params Dictionary<string, Tensor>[] steps) => Both(Backend, m, weights, steps);

    public static (IReadOnlyDictionary<string, Tensor> Reference, IReadOnlyDictionary<string, Tensor> Device)[] Both(
        IlgpuBackend backend, Module m, WeightSet weights, params Dictionary<string, Tensor>[] steps)
    {
        var interpreter = new Interpreter(m, weights);
        var cache = new KvCacheState();
        using var program = new IlgpuProgram(backend, m, weights);
        return steps.Select(s => (interpreter.Run(s, cache), program.Run(s))).ToArray();
    }

    /// <summary>One step of a textual-IR graph through the reference and <paramref name="backend"/>: the same
    /// outputs, each within <paramref name="tolerance"/> of the reference (see <see cref="Near"/>).</summary>
    public static void GraphParity(IlgpuBackend backend, string graph, WeightSet? weights, double tolerance, params (string Name, Tensor Value)[] inputs)
    {
        var step = inputs.ToDictionary(i => i.Name, i => i.Value);
        var (reference, device) = Both(backend, FromGraph(graph), weights ?? new WeightSet(), step)[0];
        Assert.Equal(reference.Keys.OrderBy(k => k), device.Keys.OrderBy(k => k));
        foreach (var name in reference.Keys) Near(reference[name], device[name], tolerance, name);
    }

    /// <summary>max |a - b| / max(1, max |b|) over all elements: relative to the output's scale.</summary>
    public static double Deviation(Tensor reference, Tensor device)
    {
        Assert.Equal(reference.Shape, device.Shape);
        double scale = Math.Max(1.0, reference.Data.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
        double worst = 0;
        for (int i = 0; i < reference.Count; i++)
        {
            Assert.False(float.IsNaN(device.Data[i]) && !float.IsNaN(reference.Data[i]), $"element {i} is NaN on the device");
            worst = Math.Max(worst, Math.Abs(reference.Data[i] - device.Data[i]));
        }
        return worst / scale;
    }

    public static void Near(Tensor reference, Tensor device, double tolerance, string what = "")
    {
        double d = Deviation(reference, device);
        Assert.True(d <= tolerance, $"{what}: device deviates from the reference by {d:E2} (relative to the output's scale), above {tolerance:E1}");
    }
}
