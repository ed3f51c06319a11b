namespace GraphDsl.SourceGenerator.Model;

/// <summary>One .moe additional file: its path as the compiler got it and its text (null when it could not
/// be read; <paramref name="ReadError"/> then holds the exception the host threw, if it threw one).</summary>
internal sealed record MoeFile(string Path, string? Text, string? ReadError = null);
