using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// Every deployment a plan compiles, each once (the pass pipeline takes about 10 ms for DeepSeek-V3), shared by every
/// family, cluster and scheduler that uses it: a disaggregated candidate's instances are mostly the aggregated family's
/// deployments on fewer GPUs. Filled while the families screen (one thread); the simulations only read it.
/// </summary>
public sealed class CompiledDeployments
{
    private readonly Dictionary<Deployment, (CompiledDeployment? Compiled, string? Problem)> _compiled = new();

    /// <summary>Deployments compiled so far.</summary>
    public int Count => _compiled.Count;

    /// <summary>The compiled deployment, or why the pipeline refused it ("refused: " and its diagnostics).</summary>
    public (CompiledDeployment? Compiled, string? Problem) Get(Deployment dep, PlanSearch search)
    {
        if (_compiled.TryGetValue(dep, out var known)) return known;
        var diagnostics = new DiagnosticBag();
        var compiled = search.Compile(dep, diagnostics);
        string? problem = compiled is null ? "refused: " + string.Join("; ", diagnostics.Items.Select(d => d.Message)) : null;
        return _compiled[dep] = (compiled, problem);
    }
}
