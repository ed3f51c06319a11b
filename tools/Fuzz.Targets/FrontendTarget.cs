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

/// <summary>Resolves <c>std/...</c> from the standard library and anything else from a fixed map of file names.</summary>
public sealed class InMemorySourceResolver : ISourceResolver
{
    private readonly IReadOnlyDictionary<string, string> _files;

    public InMemorySourceResolver(IReadOnlyDictionary<string, string> files) { _files = files; }

    public SourceText? Resolve(string importPath, string fromFile, out string error)
    {
        error = "";
        if (importPath.StartsWith(StandardLibrary.Prefix, StringComparison.Ordinal))
        {
            var std = StandardLibrary.Load(importPath);
            if (std is null) error = $"no standard-library module '{importPath}'";
            return std;
        }
        var name = importPath.EndsWith(".moe", StringComparison.Ordinal) ? importPath : importPath + ".moe";
        if (_files.TryGetValue(name, out var text)) return new SourceText(name, text);
        error = $"no file '{name}' in memory";
        return null;
    }
}
