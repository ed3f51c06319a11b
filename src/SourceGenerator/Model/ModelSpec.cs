namespace GraphDsl.SourceGenerator.Model;

/// <summary>What the parser learned from one .moe file: a spec per model it defines (none on errors)
/// and the diagnostics to report. Holds no Roslyn objects, so it compares by value.</summary>
internal sealed record ModelFileResult(
    string Path,
    EquatableArray<ModelSpec> Models,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Everything the emitter needs for one generated class.</summary>
/// <param name="SourcePath">The .moe file's path relative to the project, with '/' separators.</param>
/// <param name="Imports">Project .moe files the model imports (not std/), embedded so that the model
/// compiles again at run time without the files.</param>
internal sealed record ModelSpec(
    string Namespace,
    string ClassName,
    string HintName,
    string ModelName,
    string SourcePath,
    string Source,
    EquatableArray<ParameterSpec> Parameters,
    ModelFacts Facts,
    EquatableArray<EmbeddedSource> Imports,
    string IrText);

/// <summary>A named integer parameter of the model (<c>param kv_heads = 8</c>), evaluated.</summary>
/// <param name="Expression">The right-hand side as written in the IR when it is not just the value (<c>d / heads</c>), else null.</param>
internal sealed record ParameterSpec(string Name, string MemberName, long Value, string? Expression);

/// <summary>The facts of <c>GraphDsl.Ir.Analysis.ModelStats</c> that become constants.</summary>
internal sealed record ModelFacts(long TotalParameters, long ActiveParameters, long KvBytesPerToken, long WeightBytes);

/// <summary>A source file by the path the frontend knows it under.</summary>
internal sealed record EmbeddedSource(string Path, string Text);
