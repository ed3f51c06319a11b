using GraphDsl.Passes.Core;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// The passes expert placement brings (place-experts). A host that offers them (the CLI, tests, fuzz targets) calls
/// <see cref="Register"/> once at start-up, before it parses a pipeline; nothing registers them as a side effect of
/// touching another type, so whether <c>place-experts</c> exists never depends on what ran first.
/// </summary>
public static class PlacementPasses
{
    /// <summary>Adds place-experts to the pass registry (idempotent: a second call changes nothing).</summary>
    public static void Register() => PassRegistry.Register(PlaceExpertsPass.PassInfo, o => new PlaceExpertsPass(PlaceExpertsOptions.Bind(o)));
}
