using System;
using System.Collections.Generic;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference;

/// <summary>
/// Everything one step shares across its ops: the symbol bindings (batch, seq, ctx, ...), the module
/// parameters, the inputs given, the outputs produced and the cache updates staged for commit.
/// </summary>
internal sealed class StepContext
{
    private readonly IReadOnlyDictionary<string, long> _symbols;
    private readonly Func<string, long?> _params;

    public StepContext(Module module, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, long> symbols,
        Func<string, long?> parameters, KvCacheState cache)
    {
        Module = module; Inputs = inputs; _symbols = symbols; _params = parameters; Cache = cache;
    }

    public Module Module { get; }
    public IReadOnlyDictionary<string, Tensor> Inputs { get; }
    public Dictionary<string, Tensor> Outputs { get; } = new(StringComparer.Ordinal);
    public KvCacheState Cache { get; }
    public Dictionary<(Operation Op, string Path), CachedEntries> StagedCache { get; } = new();

    /// <summary>Absolute position of this step's first token.</summary>
    public long PastTokens => Cache.TokensSeen;

    public IReadOnlyDictionary<string, long> Symbols => _symbols;

    /// <summary>Calls in progress, to stop runaway recursion.</summary>
    public int CallDepth { get; set; }

    /// <summary>Evaluates a dimension or integer attribute; null when a name is unbound.</summary>
    public long? TryEvaluate(DimExpr e) => e.Evaluate(_params, s => _symbols.TryGetValue(s, out var v) ? v : null);

    public static IEnumerable<string> SymbolsOf(DimExpr e)
    {
        var ps = new HashSet<string>();
        var ss = new HashSet<string>();
        e.CollectNames(ps, ss);
        foreach (var p in ps) yield return "@" + p;
        foreach (var s in ss) yield return s;
    }
}
