using System.Collections.Generic;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Passes.Core;

/// <summary>What a pass produced: the new module, whether anything changed, and its statistics.</summary>
public sealed class PassResult
{
    public PassResult(Module module, bool changed, IReadOnlyDictionary<string, long>? statistics = null)
    {
        Module = module; Changed = changed; Statistics = statistics ?? new Dictionary<string, long>();
    }
    public Module Module { get; }
    public bool Changed { get; }
    public IReadOnlyDictionary<string, long> Statistics { get; }
}

/// <summary>A transformation of a module into a module. Passes never modify their input; they build a new module.</summary>
public interface IPass
{
    PassInfo Info { get; }
    PassResult Run(Module module);
}

