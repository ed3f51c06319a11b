using System.Text.RegularExpressions;

namespace GraphDsl.SourceGenerator.Resolution;

/// <summary>
/// A quick look for imports of project files (not std/). A file without any depends on no other
/// additional file, so its parse stays cached when another .moe file changes. A match inside a comment
/// only costs that caching, never correctness.
/// </summary>
internal static class ImportScan
{
    private static readonly Regex ProjectImport = new(@"\bimport\s*""(?!std/)", RegexOptions.CultureInvariant);

    public static bool HasProjectImports(string? text) => text is not null && ProjectImport.IsMatch(text);
}
