using System;
using System.Linq;
using GraphDsl.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>
/// Text from the project (file names, model names, .moe text, build properties) reaches generated code
/// only escaped: C# ends a line at U+2028, U+2029 and U+0085 too, so a raw file name in a comment once
/// compiled the rest of the name as code (issue 15: a class with a [ModuleInitializer] that ran before Main).
/// Each case checks the generated file is printable ASCII, declares exactly the expected type and
/// members, and that the compilation holds no type or attribute the generator did not write.
/// </summary>
public class InjectionTests
{
    /// <summary>The reported attack: the name closes the comment's line and declares a module initializer.</summary>
    private const string Payload =
        "internal static class Pwned { [System.Runtime.CompilerServices.ModuleInitializer] internal static void Init() { } }";

    private const string SmallModel = """
        model Small {
          param d = 8
          input x: f32[batch, d]
          output y = x
        }
        """;

    private static readonly string[] SmallMembers =
        { "ModelName", "SourcePath", "D", "TotalParameters", "ActiveParameters", "KvBytesPerToken", "WeightBytes", "Source", "IrText",
          "s_module", "Module", "Compile", "CompileModule" };

    [Theory]
    [InlineData("x\u2028" + Payload + "\u2028#pragma z.moe")]
    [InlineData("x\u2029" + Payload + "\u2029#pragma z.moe")]
    [InlineData("x\u0085" + Payload + "\u0085#pragma z.moe")]
    [InlineData("x\r" + Payload + "\r#pragma z.moe")]
    [InlineData("x\n" + Payload + "\n#pragma z.moe")]
    [InlineData("x\r\n" + Payload + "\r\n#pragma z.moe")]
    [InlineData("x */ " + Payload + " /* z.moe")]
    [InlineData("x\" + " + Payload + " + \"z.moe")]
    [InlineData("x</c></summary> " + Payload + " <summary><c>z.moe")]
    [InlineData("x&lt;&amp;\u202Ez.moe")]
    public void A_hostile_file_name_reaches_the_generated_code_only_escaped(string fileName)
    {
        var path = "Models/" + fileName;
        var run = new GeneratorHarness().File(path, SmallModel).Generate();

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var source = run.Sources.Single(s => s.HintName.EndsWith(".Small.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        AssertPrintableAscii(source);
        AssertDeclaresOnly(source, "Small", SmallMembers);
        AssertNoForeignCode(run.Output, "TestProject.Small");
        Assert.Equal(path, FieldConstant(run.Output, "TestProject.Small", "SourcePath"));
    }

    [Fact]
    public void Generated_file_for_a_hostile_name()
    {
        var text = "# a comment with a line separator\u2028and \"quotes\", \\ and \u00e9\n" + SmallModel;
        var run = new GeneratorHarness().File("Models/x\u2028" + Payload + "\u2028#pragma z.moe", text).Generate();

        var source = run.Sources.Single(s => s.HintName.EndsWith(".Small.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Equal(text, FieldConstant(run.Output, "TestProject.Small", "Source"));
        Snapshot.Verify(source, extension: "cs");
    }

    [Theory]
    [InlineData("class", "@class")]
    [InlineData("namespace", "@namespace")]
    [InlineData("__arglist", "@__arglist")]
    [InlineData("partial", "partial")]
    [InlineData("global", "global")]
    [InlineData("_", "_")]
    public void A_model_named_like_a_keyword_is_an_escaped_identifier(string modelName, string className)
    {
        var run = new GeneratorHarness().File("m.moe", SmallModel.Replace("model Small", "model " + modelName)).Generate();

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var source = run.Sources.Single(s => s.HintName.StartsWith("m.", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("public static partial class " + className + "\n", source);
        AssertDeclaresOnly(source, className.TrimStart('@'), SmallMembers);
        AssertNoForeignCode(run.Output, "TestProject." + className.TrimStart('@'));
        Assert.Equal(modelName, FieldConstant(run.Output, "TestProject." + className.TrimStart('@'), "ModelName"));
    }

    [Theory]
    [InlineData("GraphDslNamespace", "Caf\u00e9.Models", "Caf_.Models")]
    [InlineData("GraphDslNamespace", "A\u2028class B", "A_class_B")]
    [InlineData("RootNamespace", "My\u2029App", "My_App")]
    public void A_namespace_option_becomes_an_ASCII_namespace(string property, string value, string expected)
    {
        var run = new GeneratorHarness().File("m.moe", SmallModel).Property(property, value).Generate();

        Assert.Empty(run.CompileErrors);
        var source = run.Sources.Single(s => s.HintName.StartsWith("m.", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("namespace " + expected + "\n", source);
        AssertPrintableAscii(source);
        AssertNoForeignCode(run.Output, expected + ".Small");
        if (property == "GraphDslNamespace")
            Assert.Equal($"warning GD0903: GraphDslNamespace '{value}' is not a valid C# namespace; using '{expected}'", Assert.Single(run.Rendered));
        else
            Assert.Empty(run.Diagnostics);
    }

    /// <summary>Every character is printable ASCII or a line end or tab (inside a verbatim literal).</summary>
    private static void AssertPrintableAscii(string source)
    {
        var bad = source.Select((c, i) => (c, i)).FirstOrDefault(p => !(p.c is >= ' ' and <= '~' or '\n' or '\r' or '\t'));
        Assert.True(bad == default, $"U+{(int)bad.c:X4} at offset {bad.i}");
    }

    /// <summary>The file parses without errors to one namespace with one class and exactly these members.</summary>
    private static void AssertDeclaresOnly(string source, string className, string[] members)
    {
        var tree = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions);
        var root = tree.GetCompilationUnitRoot();
        Assert.Empty(tree.GetDiagnostics());
        var type = Assert.Single(root.DescendantNodes().OfType<BaseTypeDeclarationSyntax>());
        Assert.Equal(className, type.Identifier.ValueText);
        Assert.Single(root.Members);
        Assert.DoesNotContain(root.DescendantTrivia(), t => t.IsDirective);
        var declared = ((TypeDeclarationSyntax)type).Members.SelectMany(MemberNames).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(members.OrderBy(n => n, StringComparer.Ordinal), declared);
    }

    private static string[] MemberNames(MemberDeclarationSyntax member) => member switch
    {
        FieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.ValueText).ToArray(),
        PropertyDeclarationSyntax p => new[] { p.Identifier.ValueText },
        MethodDeclarationSyntax m => new[] { m.Identifier.ValueText },
        _ => new[] { member.Kind().ToString() },
    };

    /// <summary>The compilation's types are the user's, the model's and the embedded-sources resolver; no
    /// attribute anywhere names a module initializer.</summary>
    private static void AssertNoForeignCode(Compilation output, string modelType)
    {
        var types = output.SyntaxTrees.SelectMany(t => t.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
            .Select(t => output.GetSemanticModel(t.SyntaxTree).GetDeclaredSymbol(t)!)
            .Select(t => (t.ContainingNamespace.IsGlobalNamespace ? "" : t.ContainingNamespace.ToDisplayString() + ".") + t.MetadataName)
            .OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(new[] { "GraphDsl.Generated.GraphDslEmbeddedSources", modelType, "UserCode" }.OrderBy(n => n, StringComparer.Ordinal), types);
        Assert.DoesNotContain(output.SyntaxTrees.SelectMany(t => t.GetRoot().DescendantNodes().OfType<AttributeSyntax>()),
            a => a.Name.ToString().Contains("ModuleInitializer"));
    }

    private static object? FieldConstant(Compilation output, string type, string field) =>
        ((IFieldSymbol)output.GetTypeByMetadataName(type)!.GetMembers(field).Single()).ConstantValue;
}
