namespace GraphDsl.SourceGenerator.Model;

/// <summary>One .moe additional file: its path as the compiler got it and its text (null when it could not be read).</summary>
internal sealed record MoeFile(string Path, string? Text);
