using System;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;

namespace GraphDsl.Backends.Serving;

/// <summary>A deployment ready to simulate: one engine (<see cref="ServingSimulation"/>), disaggregated prefill and decode
/// instances (<see cref="Disaggregation.DisaggregatedSimulation"/>) or co-located streams
/// (<see cref="Colocation.ColocatedSimulation"/>).</summary>
public interface IServingSimulation
{
    /// <summary>Simulates the requests of <paramref name="source"/> to the last completion.</summary>
    ServingRun Run(RequestSource source, SloSpec? slo, Action<EngineStep>? observer = null);
}
