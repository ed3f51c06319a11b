namespace GraphDsl.Backends.Weights.Initialization;

/// <summary>What a weight does, which decides how it is initialized.</summary>
public enum WeightRoleKind
{
    /// <summary>An embedding table: standard normal rows.</summary>
    Embedding,
    /// <summary>A projection (matmul, expert or latent up-projection): normal with std 1/sqrt(fan_in).</summary>
    Projection,
    /// <summary>A router projection: small, so routing starts near uniform but without ties.</summary>
    Router,
    /// <summary>A norm's scale or a multiplier: ones.</summary>
    Scale,
    /// <summary>Biases, selection biases and relative-position tables: small normal values.</summary>
    Bias,
    /// <summary>Attention sink logits and norm shifts: zeros.</summary>
    Zero,
    /// <summary>A weight whose use says nothing about its scale: small normal values.</summary>
    Other,
}

/// <summary>A weight's role and, for projections, its fan-in.</summary>
public readonly record struct WeightRole(WeightRoleKind Kind, long FanIn = 0);
