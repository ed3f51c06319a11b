using GraphDsl.Frontend.Semantics;

namespace GraphDsl.Frontend.Tests.Imports;

/// <summary>The rules every resolver shares: which import strings are refused before any lookup.</summary>
public class ImportRulesTests
{
    [Theory]
    [InlineData("layers", null)]
    [InlineData("lib/layers.moe", null)]
    [InlineData("lib/v1.2/layers", null)]
    [InlineData("../shared/x.MOE", null)]
    [InlineData("/etc/passwd", "absolute paths cannot be imported; name the file relative to the importing file or to an import root")]
    [InlineData("\\\\server\\share\\x.moe", "absolute paths cannot be imported; name the file relative to the importing file or to an import root")]
    [InlineData("C:x.moe", "absolute paths cannot be imported; name the file relative to the importing file or to an import root")]
    [InlineData("secrets.txt", "only .moe files can be imported, not '.txt'")]
    [InlineData("x.moe.bak", "only .moe files can be imported, not '.bak'")]
    [InlineData("a\u0000b", "the path contains a control character")]
    [InlineData(" ", "the path is empty")]
    public void Refusal(string import, string? expected) => Assert.Equal(expected, ImportRules.Refusal(import));

    [Theory]
    [InlineData("layers", "layers.moe")]
    [InlineData("layers.moe", "layers.moe")]
    [InlineData("lib/v1.2/layers", "lib/v1.2/layers.moe")]
    public void The_extension_is_added_when_missing(string import, string expected) => Assert.Equal(expected, ImportRules.WithExtension(import));
}
