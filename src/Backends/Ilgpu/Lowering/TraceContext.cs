using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Planning;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Ilgpu.Weights;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>
/// Lowers one step of a module to a flat list of device instructions: walks the regions as the
/// reference interpreter does (repeat bodies once per iteration with that iteration's weight path,
/// calls with the callee's path, fused kernels through their lowering or their member ops), gives
/// every intermediate a slot and records which instruction reads and writes it. The trace depends only
/// on the shape symbols, so a step of the same batch and length reuses it; the position of the step is
/// read when it runs.
/// </summary>
internal sealed class TraceContext
{
    private readonly Func<string, long?> _params;
    private readonly IReadOnlyDictionary<string, long> _symbols;
    private Scope _scope = new(null);
    private int _depth;

    public TraceContext(Module module, Func<string, long?> parameters, IReadOnlyDictionary<string, long> symbols, DeviceWeightStore weights, DeviceKernels kernels)
    {
        Module = module; _params = parameters; _symbols = symbols; Weights = weights; Kernels = kernels;
    }

    public Module Module { get; }
    public DeviceWeightStore Weights { get; }
    public DeviceKernels Kernels { get; }
    public List<Instruction> Instructions { get; } = new();
    public List<Slot> Slots { get; } = new();
    public Dictionary<string, TValue> Outputs { get; } = new(StringComparer.Ordinal);
    /// <summary>Inputs used as token ids, with the vocabulary they index: checked on the host before a run.</summary>
    public List<(string Input, int Vocabulary, string Op)> IdChecks { get; } = new();
    /// <summary>The fusion patterns fused kernels were lowered with, in trace order.</summary>
    public List<string> FusionPatterns { get; } = new();
    /// <summary>True when an activation's size depends on ctx, so the trace is valid for one position only.</summary>
    public bool DependsOnContext { get; private set; }
    public string Path { get; private set; } = "";
    public int Batch => (int)(_symbols.TryGetValue("batch", out var b) ? b : 1);
    public int Seq => (int)(_symbols.TryGetValue("seq", out var s) ? s : 1);

    // ---- values ---------------------------------------------------------------------------------

    public TValue Get(Value v) => _scope.Find(v) ?? throw new InvalidOperationException("a value is read before it is computed");
    public void Set(Value v, TValue t) => _scope.Values[v] = t;

    public TValue In(Operation op, string slot) => Opt(op, slot) ?? throw Error(op, $"operand '{slot}' is missing");
    public TValue? Opt(Operation op, string slot) => op.Operand(slot) is { } v ? Get(v) : null;

    public TValue NewActivation(int[] shape)
    {
        var slot = new Slot(Slots.Count, Math.Max(1, shape.Aggregate(1L, (a, d) => a * d)));
        Slots.Add(slot);
        return new TValue(shape) { Slot = slot };
    }

    /// <summary>A new activation with the declared shape of result <paramref name="index"/>, bound to it.</summary>
    public TValue Result(Operation op, int index = 0)
    {
        var t = NewActivation(Dims(op.Results[index].Type.Shape));
        Set(op.Results[index], t);
        return t;
    }

    /// <summary>A value usable as plain f32 data: a weight becomes its f32 vector, a cache's entries are copied out.</summary>
    public TValue Data(TValue t)
    {
        if (t.WeightName is { } name) return new TValue(t.Shape) { Fixed = Weights.Vector(name) };
        if (t.Cache is { } cache)
        {
            DependsOnContext = true;
            var copy = NewActivation(t.Shape);
            int batch = t.Shape[0], visible = t.Shape[1];
            Emit("kv.read", Array.Empty<TValue>(), new[] { copy }, r =>
            {
                var c = r.Caches.Get(cache, batch, r.Past + Seq);
                int first = r.Past + Seq - visible;
                r.Kernels.Copy2D(c.View, r.View(copy), batch, visible * cache.Inner, (long)c.Capacity * cache.Inner, (long)visible * cache.Inner, (long)first * cache.Inner, 0);
            });
            return copy;
        }
        return t;
    }

    public void Emit(string label, IEnumerable<TValue?> reads, IEnumerable<TValue> writes, Action<StepRun> run)
    {
        int index = Instructions.Count;
        var r = reads.Where(t => t?.Slot is not null).Select(t => t!.Slot!).Distinct().ToArray();
        var w = writes.Where(t => t.Slot is not null).Select(t => t.Slot!).Distinct().ToArray();
        foreach (var s in r) s.Dies = Math.Max(s.Dies, index);
        foreach (var s in w)
        {
            if (s.Born < 0) s.Born = index;
            s.Dies = Math.Max(s.Dies, index);
        }
        Instructions.Add(new Instruction(label, run, r, w));
    }

    // ---- regions --------------------------------------------------------------------------------

    /// <summary>Traces a region with its arguments bound; returns its terminator's operands. Ops for which
    /// <paramref name="intercept"/> returns true were handled by the caller.</summary>
    public IReadOnlyList<TValue> RunRegion(Region region, IReadOnlyList<TValue> args, string path, bool seesOuter, Func<Operation, bool>? intercept = null)
    {
        if (++_depth > 64) throw new IlgpuExecutionException(ExecutionFailure.Unsupported, "regions nest deeper than 64 (recursive calls?)");
        var saved = (_scope, Path);
        _scope = new Scope(seesOuter ? _scope : null);
        Path = path;
        try
        {
            for (int i = 0; i < args.Count; i++) Set(region.Arguments[i], args[i]);
            foreach (var op in region.Ops)
            {
                if (op.Def.IsTerminator) return op.Operands.Select(Get).ToArray();
                // A fused kernel's pattern may have lowered (or will lower) this op with others.
                if (intercept is not null && intercept(op)) continue;
                var lower = OpLowerings.Find(op.Def) ?? throw Error(op, "the ILGPU backend has no kernel for this op");
                lower(this, op);
            }
            return Array.Empty<TValue>();
        }
        finally
        {
            (_scope, Path) = saved;
            _depth--;
        }
    }

    // ---- attributes and shapes ------------------------------------------------------------------

    public int[] Dims(Shape shape, bool cacheShape = false) => shape.Dims.Select(d => checked((int)Evaluate(d, cacheShape))).ToArray();

    public long Evaluate(DimExpr e, bool cacheShape = false)
    {
        bool usedCtx = false;
        long? v = e.Evaluate(_params, s =>
        {
            if (s == "ctx") usedCtx = true;
            return _symbols.TryGetValue(s, out var x) ? x : null;
        });
        if (usedCtx && !cacheShape) DependsOnContext = true;
        return v ?? throw new IlgpuExecutionException(ExecutionFailure.Unsupported, $"'{e}' uses a symbol nothing binds");
    }

    private static Ir.Graph.Attr? Attr(Operation op, string name) => op.Attributes.Get(name) ?? op.Def.FindAttr(name)?.Default;

    public long Int(Operation op, string name) =>
        Attr(op, name) is IntAttr i ? Evaluate(i.Value) : throw Error(op, $"has no integer attribute '{name}'");

    public double Float(Operation op, string name) => Attr(op, name) switch
    {
        FloatAttr f => f.Value,
        IntAttr i => Evaluate(i.Value),
        _ => throw Error(op, $"has no float attribute '{name}'"),
    };

    public bool Bool(Operation op, string name) => (Attr(op, name) as BoolAttr)?.Value ?? throw Error(op, $"has no bool attribute '{name}'");
    public string Str(Operation op, string name) => (Attr(op, name) as StrAttr)?.Value ?? throw Error(op, $"has no string attribute '{name}'");
    public DType? DType(Operation op, string name) => (Attr(op, name) as DTypeAttr)?.Value;

    public string WeightPath(string name) => Path.Length == 0 ? name : Path + "." + name;

    public IlgpuExecutionException Error(Operation op, string message, ExecutionFailure failure = ExecutionFailure.Unsupported)
    {
        var where = Path.Length == 0 ? "" : " (in " + Path + ")";
        return new IlgpuExecutionException(failure, string.Create(CultureInfo.InvariantCulture, $"{op.Name}{where}: {message}"));
    }

    private sealed class Scope
    {
        public Scope(Scope? parent) { Parent = parent; }
        public Scope? Parent { get; }
        public Dictionary<Value, TValue> Values { get; } = new();

        public TValue? Find(Value v)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Values.TryGetValue(v, out var t)) return t;
            return null;
        }
    }
}
