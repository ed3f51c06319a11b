using GraphDsl.Ir.Types;
using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference;

/// <summary>
/// Executes a module one step at a time in plain f32 code: the golden semantics the other backends
/// are checked against. A step binds the shape symbols from the inputs (batch and seq from
/// <c>tokens</c>; ctx = tokens already cached + seq unless an input binds it), walks the body, runs
/// repeat bodies once per iteration with that iteration's weights and cache, and returns the outputs.
/// Run <c>inline,canonicalize</c> first for a flat module with constant shapes (calls work too).
/// </summary>
public sealed class Interpreter
{
    private readonly Func<string, long?> _params;

    /// <summary>Checks that every op of the module has reference semantics.</summary>
    public Interpreter(Module module, WeightSet weights)
    {
        Module = module ?? throw new ArgumentNullException(nameof(module));
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        _params = IrBuilder.Resolver(module);
        foreach (var op in module.WalkAll())
            if (OpKernels.Find(op.Def) is null)
                throw new InterpreterException($"{op.Name}: the reference interpreter has no semantics for this op", op.Name);
    }

    public Module Module { get; }
    public WeightSet Weights { get; }

    private readonly System.Collections.Generic.Dictionary<(string, DType), Tensor> _stored = new();

    /// <summary>A weight rounded to the format the module stores it in (computed once per name and format).</summary>
    internal Tensor StoredWeight(string name, DType type, Tensor master)
    {
        lock (_stored)
        {
            if (!_stored.TryGetValue((name, type), out var t)) _stored[(name, type)] = t = Functions.WeightStorage.Round(master, type);
            return t;
        }
    }

    /// <summary>Runs one step with the named inputs; kv.cache ops append to <paramref name="cache"/>,
    /// which is updated only if the whole step succeeds.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, KvCacheState cache)
    {
        if (inputs is null) throw new ArgumentNullException(nameof(inputs));
        if (cache is null) throw new ArgumentNullException(nameof(cache));
        if (cache.Module is not null && cache.Module != Module)
            throw new InterpreterException($"this cache holds the state of module @{cache.Module.Name}, not of the module being run; use a new KvCacheState (or Reset it)");
        var symbols = SymbolBinder.Bind(Module, inputs, cache, _params);
        var step = new StepContext(Module, inputs, symbols, _params, cache);
        RunRegion(step, Module.Body, Array.Empty<Tensor>(), null, "");
        cache.Commit(Module, step.StagedCache, symbols.TryGetValue("seq", out var seq) ? seq : 0,
            symbols.TryGetValue("batch", out var batch) ? (int)batch : 1);
        return step.Outputs;
    }

    /// <summary>Runs one step on token ids [batch, seq] (the input named <c>tokens</c>) and returns the
    /// output named <c>logits</c>, or the only output.</summary>
    public Tensor Step(Tensor tokens, KvCacheState cache)
    {
        var outputs = Run(new Dictionary<string, Tensor> { ["tokens"] = tokens }, cache);
        if (outputs.TryGetValue("logits", out var logits)) return logits;
        if (outputs.Count == 1) return outputs.Values.First();
        throw new InterpreterException($"the module has outputs {string.Join(", ", outputs.Keys)}; none is named 'logits'");
    }

    /// <summary>Runs a region's ops with its arguments bound; returns the terminator's operands.</summary>
    internal IReadOnlyList<Tensor> RunRegion(StepContext step, Region region, IReadOnlyList<Tensor> args, Frame? parent, string path)
    {
        if (args.Count != region.Arguments.Count)
            throw new InterpreterException($"region expects {region.Arguments.Count} arguments but got {args.Count}");
        var frame = new Frame(parent, path);
        for (int i = 0; i < args.Count; i++) frame.Set(region.Arguments[i], args[i]);
        foreach (var op in region.Ops)
        {
            var call = new OpCall(this, step, frame, op);
            if (op.Def.IsTerminator) return op.Operands.Select(call.ValueOf).ToArray();
            var kernel = OpKernels.Find(op.Def) ?? throw call.Error("the reference interpreter has no semantics for this op");
            IReadOnlyList<Tensor> results;
            try { results = kernel(call); }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or ArithmeticException)
            {
                throw call.Error(e.Message);
            }
            CheckResults(call, results);
            for (int i = 0; i < results.Count; i++) frame.Set(op.Results[i], results[i]);
        }
        return Array.Empty<Tensor>();
    }

    /// <summary>Every result must have the declared shape under the step's bindings, so a wrong kernel
    /// or a wrong binding fails at the op that caused it.</summary>
    private static void CheckResults(OpCall call, IReadOnlyList<Tensor> results)
    {
        var op = call.Op;
        if (results.Count != op.Results.Count)
            throw call.Error($"produced {results.Count} results but declares {op.Results.Count}");
        // A sliding-window cache returns fewer than ctx entries.
        bool windowedCache = op.Def.IsStateful && call.Int("window") > 0;
        for (int i = 0; i < results.Count; i++)
        {
            var declared = op.Results[i].Type.Shape;
            var actual = results[i];
            if (declared.Rank != actual.Rank)
                throw call.Error($"result {i} is {actual.ShapeText} but the op declares {declared}");
            for (int d = 0; d < declared.Rank; d++)
            {
                if (windowedCache && MentionsCtx(declared[d])) continue;
                if (call.Evaluate(declared[d], "result shape " + declared) != actual.Dim(d))
                    throw call.Error($"result {i} is {actual.ShapeText} but the op declares {declared} = {Tensor.Format(call.Dims(declared))}");
            }
        }
    }

    private static bool MentionsCtx(DimExpr d)
    {
        var ps = new HashSet<string>();
        var ss = new HashSet<string>();
        d.CollectNames(ps, ss);
        return ss.Contains("ctx");
    }
}
