namespace GraphDsl.SourceGenerator.Model;

/// <summary>One .moe additional file: its path as the compiler got it and its text (null when it could not
/// be read; <paramref name="ReadError"/> then holds the exception the host threw, if it threw one, and
/// <paramref name="NotRead"/> why it was not read: a FIFO or device is never opened; <paramref name="OversizeBytes"/> its size
/// on disk when that is past what a source may be, so it was not read at all).</summary>
internal sealed record MoeFile(string Path, string? Text, string? ReadError = null, string? NotRead = null, long? OversizeBytes = null);
