using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GraphDsl.Fuzz;

/// <summary>The committed seed corpora: <c>tools/Fuzz/corpus/&lt;target&gt;/</c>, one input per file (README.md there says where each came from).</summary>
public static class Corpus
{
    public const string RelativeRoot = "tools/Fuzz/corpus";

    /// <summary>The corpus root found above <paramref name="start"/> (the working directory or a binary's folder).</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativeRoot);
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The seeds of one target, in file-name order (so the mutation sequence is reproducible).</summary>
    public static IReadOnlyList<byte[]> Load(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => !string.Equals(Path.GetFileName(f), "README.md", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray();
}
