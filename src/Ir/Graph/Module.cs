using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>A named static integer of the module (<c>param @d = 4096</c>); its value may refer to
/// earlier parameters until canonicalize folds it.</summary>
public sealed class ParamDef
{
    public ParamDef(string name, DimExpr value) { Name = name; Value = value; }
    public string Name { get; }
    public DimExpr Value { get; }
}

/// <summary>
/// The unit the compiler works on: one model. Parameters, the dynamic symbols its shapes use, the
/// functions (block instantiations) and the body graph whose <c>core.input</c>, <c>core.weight</c> and
/// <c>core.output</c> ops are the model's interface.
/// </summary>
public sealed class Module
{
    private readonly List<ParamDef> _params = new();
    private readonly List<Function> _functions = new();

    public Module(string name) { Name = name; }

    public string Name { get; }
    /// <summary>Facts about the whole module that passes record, e.g. the parallel layout (tp, ep, dp, pp).</summary>
    public AttrDict Attributes { get; set; } = AttrDict.Empty;
    public IReadOnlyList<ParamDef> Params => _params;
    public IReadOnlyList<Function> Functions => _functions;
    public Region Body { get; } = new();
    /// <summary>Default dynamic symbols every model has; others may be declared.</summary>
    public static readonly IReadOnlyList<string> StandardSymbols = new[] { "batch", "seq", "ctx" };
    public List<string> Symbols { get; } = new(StandardSymbols);

    public void AddParam(string name, DimExpr value)
    {
        if (_params.Any(p => p.Name == name)) throw new ArgumentException($"duplicate parameter '{name}'");
        _params.Add(new ParamDef(name, value));
    }

    public void AddFunction(Function f)
    {
        if (_functions.Any(x => x.Name == f.Name)) throw new ArgumentException($"duplicate function '{f.Name}'");
        _functions.Add(f);
    }

    public Function? FindFunction(string name) => _functions.FirstOrDefault(f => f.Name == name);
    public ParamDef? FindParam(string name) => _params.FirstOrDefault(p => p.Name == name);

    /// <summary>Values of all parameters that evaluate (later ones may use earlier ones).</summary>
    public IReadOnlyDictionary<string, long> EvaluateParams()
    {
        var env = new Dictionary<string, long>();
        foreach (var p in _params)
        {
            try
            {
                var v = p.Value.Evaluate(n => env.TryGetValue(n, out var x) ? x : (long?)null, _ => null);
                if (v is not null) env[p.Name] = v.Value;
            }
            catch (ArithmeticException) { /* left unevaluated; the verifier reports it */ }
        }
        return env;
    }

    /// <summary>Every operation of the body and of all functions.</summary>
    public IEnumerable<Operation> WalkAll() => Body.Walk().Concat(_functions.SelectMany(f => f.Body.Walk()));
}
