namespace GraphDsl.Passes.Core;

/// <summary>The pipelines every host runs, named once and built as values (never as text to splice).</summary>
public static class StandardPipelines
{
    /// <summary><c>inline,canonicalize</c>: calls inlined and parameters folded. The flat module is what the
    /// interpreter, the ILGPU backend, weight files (their names are the inlined paths) and the later passes expect.</summary>
    public static Pipeline Flatten { get; } = new(new[] { PipelineElement.Create("inline"), PipelineElement.Create("canonicalize") });
}
