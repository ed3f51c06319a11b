using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Modules to run: the tiny samples, .moe snippets and hand-written IR, flattened by inline,canonicalize.</summary>
internal static class TestModels
{
    public static Module Sample(string name) => Flatten(Check(Compiler.CompileFile(Repo.Sample(name))));

    public static Module FromSource(string source) => Flatten(Check(Compiler.Compile(new SourceText("test.moe", source))));

    public static Module FromIr(string text) => IrParser.Parse(text);

    public static Module Flatten(Module m)
    {
        var pipeline = Pipeline.Parse("inline,canonicalize", new DiagnosticBag()) ?? throw new InvalidOperationException("bad pipeline");
        var run = new PassManager(pipeline).Run(m);
        return run.Module ?? throw new InvalidOperationException(string.Join("\n", run.Diagnostics.Select(d => d.Message)));
    }

    public static WeightSet SeededWeights(Module m, ulong seed = 1) =>
        WeightSet.FromArrays(WeightInitializer.Create(m, seed).Select(w => (w.Name, w.Shape, w.Values)));

    /// <summary>Runs one step of a module whose inputs are given by name; returns its outputs.</summary>
    public static IReadOnlyDictionary<string, Tensor> Run(Module m, WeightSet? weights = null, KvCacheState? cache = null, params (string Name, Tensor Value)[] inputs) =>
        new Interpreter(m, weights ?? new WeightSet()).Run(inputs.ToDictionary(i => i.Name, i => i.Value), cache ?? new KvCacheState());

    private static Module Check(CompilationResult r) =>
        r.Module ?? throw new InvalidOperationException(string.Join("\n", r.Diagnostics.Select(d => d.Message)));
}

/// <summary>Tensor construction and comparison for the tests.</summary>
internal static class T
{
    public static Tensor Of(int[] shape, params float[] values) => new(shape, values);

    public static int[] S(params int[] dims) => dims;

    public static void Near(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"element {i}: expected {expected[i]:R} but got {actual[i]:R} (tolerance {tolerance})");
    }

    public static void Near(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double tolerance = 1e-5) =>
        Near(expected.Select(e => (float)e).ToArray(), actual, tolerance);

    /// <summary>Largest |a - b| / max(|b|, 1) over the elements: relative for large values, absolute for small ones.</summary>
    public static double MaxRelativeError(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        Assert.Equal(a.Count, b.Count);
        double worst = 0;
        for (int i = 0; i < a.Count; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / Math.Max(Math.Abs(b[i]), 1.0));
        return worst;
    }
}
