using System;

namespace GraphDsl.Backends.Placement;

/// <summary>What a placement problem is about, so the command line can pick the diagnostic.</summary>
public enum PlacementProblem
{
    /// <summary>The routing statistics do not fit the model or are malformed.</summary>
    Statistics,
    /// <summary>The GPU count, nodes, slots or strategy options cannot hold the experts.</summary>
    Deployment,
    /// <summary>The experts a GPU must hold exceed its free memory.</summary>
    Memory,
    /// <summary>A plan or engine map file is malformed or does not match the model.</summary>
    PlanFile,
}

/// <summary>A placement that cannot be made, with a message that says why and what would work.</summary>
public sealed class PlacementException : Exception
{
    public PlacementException(PlacementProblem problem, string message) : base(message) { Problem = problem; }
    public PlacementProblem Problem { get; }
}
