using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// A kind of deployment the planner searches (<see cref="PlanKind"/>): it lists its candidates with a step-model
/// estimate each (<see cref="Screen"/>, fast: no simulation), and simulates the few the planner keeps
/// (<see cref="Simulate"/>): <see cref="AggregatedFamily"/> (one engine) and <see cref="DisaggregatedFamily"/> (xPyD
/// prefill and decode instances).
/// </summary>
public interface ICandidateFamily
{
    PlanKind Kind { get; }

    /// <summary>The deployments the family would compile (the search's bound counts them before anything is compiled).</summary>
    IEnumerable<GraphDsl.Backends.CostModel.Inputs.Deployment> Deployments(PlanSearch search);

    /// <summary>Every candidate of the search space with its step-model estimate (or why it cannot serve).</summary>
    IEnumerable<Screened> Screen(PlanSearch search);

    /// <summary>Simulates one screened candidate under the search's workload; called for several candidates at once, after
    /// <see cref="Screen"/> has run to its end.</summary>
    Simulated Simulate(Screened candidate, PlanSearch search);
}
