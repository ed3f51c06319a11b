using System;
using System.Collections.Generic;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Fuzz;

/// <summary>The .moe frontend on one source text: parse, check, lower and verify, as <c>graphdsl check</c> does,
/// but with imports resolved from memory (the standard library and <see cref="Library"/>), never the file system.</summary>
internal static class FrontendTarget
{
    public const string SourcePath = "fuzz.moe";

    /// <summary>Files the fuzzed source may import besides <c>std/...</c>: a small library and an import cycle.</summary>
    public static readonly IReadOnlyDictionary<string, string> Library = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["blocks.moe"] = "import \"std/ffn\"\n\nblock two_ffn(x: [..., D], hidden: int) {\n  return gated_ffn(x, hidden, name: \"a\") + ffn(x, hidden, name: \"b\")\n}\n",
        ["cycle_a.moe"] = "import \"cycle_b\"\nblock from_a(x: [B, S, D]) {\n  return x\n}\n",
        ["cycle_b.moe"] = "import \"cycle_a\"\nblock from_b(x: [B, S, D]) {\n  return x\n}\n",
    };

    public static void Run(byte[] input)
    {
        var result = Compiler.Compile(new SourceText(SourcePath, FuzzTarget.Text(input)), null, new InMemorySourceResolver(Library));
        DiagnosticCheck.Check(result.Diagnostics);
    }
}

/// <summary>Resolves an import from a fixed map of file names; the loader serves <c>std/...</c> and refuses
/// what no resolver may serve (absolute paths, paths leading outside, other extensions) before asking.</summary>
public sealed class InMemorySourceResolver : ISourceResolver
{
    private readonly IReadOnlyDictionary<string, string> _files;

    public InMemorySourceResolver(IReadOnlyDictionary<string, string> files) { _files = files; }

    public ImportResult Resolve(string importPath, string fromFile)
    {
        var name = ImportRules.WithExtension(importPath);
        return _files.TryGetValue(name, out var text)
            ? ImportResult.Found(new SourceText(name, text))
            : ImportResult.NotFound(importPath, $"no file '{name}' in memory");
    }
}
