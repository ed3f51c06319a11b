using GraphDsl.Frontend.Semantics;
using GraphDsl.SourceGenerator.Resolution;

namespace GraphDsl.SourceGenerator.Tests;

public class ImportPathsTests
{
    [Theory]
    [InlineData("/p/Models/a.moe", "/p/", "Models/a.moe")]
    [InlineData("/p/Models/a.moe", "/p", "Models/a.moe")]
    [InlineData("/r/samples/a.moe", "/r/p/proj/", "../../samples/a.moe")]
    [InlineData("/samples/a.moe", "/p/proj/", "/samples/a.moe")]
    [InlineData("C:\\src\\app\\Models\\a.moe", "C:\\src\\app\\", "Models/a.moe")]
    [InlineData("D:\\other\\a.moe", "C:\\src\\app\\", "D:/other/a.moe")]
    [InlineData("/p/./Models/../a.moe", "/p/", "a.moe")]
    [InlineData("/p/a.moe", null, "/p/a.moe")]
    public void Display_paths_are_relative_to_the_project(string file, string? projectDir, string expected) =>
        Assert.Equal(expected, ImportPaths.DisplayPath(file, projectDir));

    [Theory]
    [InlineData("Models/a.moe", "blocks/b", "Models/blocks/b.moe")]
    [InlineData("Models/a.moe", "../shared/c.moe", "shared/c.moe")]
    [InlineData("a.moe", "b", "b.moe")]
    [InlineData("../../x/a.moe", "../y", "../../y.moe")]
    public void Imports_resolve_beside_the_importing_file(string from, string import, string expected) =>
        Assert.Equal(expected, ProjectImports.PathOf(from, import));

    [Theory]
    [InlineData("Models/blocks/b.moe", true)]
    [InlineData("c.moe", true)]
    [InlineData("../c.moe", false)]
    [InlineData("..", false)]
    [InlineData("/etc/passwd.moe", false)]
    [InlineData("C:/x.moe", false)]
    public void Imports_stay_inside_the_project(string projectPath, bool inside) =>
        Assert.Equal(inside, ProjectImports.IsInside(projectPath));
}
