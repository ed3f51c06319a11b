using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Runs a hand-written IR graph (the lines inside <c>graph { }</c>) through the interpreter. The same
/// text gives the same module, so a cache filled by one step can serve the next.</summary>
internal static class OpHarness
{
    private static readonly ConcurrentDictionary<string, Module> Parsed = new();

    public static IReadOnlyDictionary<string, Tensor> Run(string graph, params (string Name, Tensor Value)[] inputs) =>
        Run(graph, new KvCacheState(), new WeightSet(), inputs);

    public static IReadOnlyDictionary<string, Tensor> Run(string graph, KvCacheState cache, WeightSet weights, params (string Name, Tensor Value)[] inputs)
    {
        var module = Parsed.GetOrAdd(graph, g => TestModels.FromIr("module @t {\n  graph {\n" + g + "\n  }\n}\n"));
        return new Interpreter(module, weights).Run(inputs.ToDictionary(i => i.Name, i => i.Value), cache);
    }

    /// <summary>The output named <c>y</c> of a graph.</summary>
    public static Tensor Y(string graph, params (string Name, Tensor Value)[] inputs) => Run(graph, inputs)["y"];
}
