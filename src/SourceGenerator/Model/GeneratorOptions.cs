namespace GraphDsl.SourceGenerator.Model;

/// <summary>
/// The MSBuild properties the generator reads, checked: the namespace of the generated classes, the
/// project folder (display paths are relative to it), the optional fit check, and the problems found
/// in the properties (reported once per project, not once per file).
/// </summary>
internal sealed record GeneratorOptions(
    string Namespace,
    string? ProjectDirectory,
    FitCheckOptions? FitCheck,
    EquatableArray<DiagnosticInfo> Problems)
{
    public const string DefaultNamespace = "GraphDsl.Models";
    public static readonly GeneratorOptions Default = new(DefaultNamespace, null, null, EquatableArray<DiagnosticInfo>.Empty);
}

/// <summary>The build-time fit check: do the weights, in <see cref="Weights"/> ("keep": as declared),
/// fit in <see cref="Gpus"/> devices of <see cref="BytesPerGpu"/> each.</summary>
internal sealed record FitCheckOptions(string Hardware, long BytesPerGpu, int Gpus, string Weights);
