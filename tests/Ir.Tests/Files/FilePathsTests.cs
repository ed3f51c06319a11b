using System.IO;
using GraphDsl.Ir.Files;
using GraphDsl.TestSupport;

namespace GraphDsl.Ir.Tests.Files;

/// <summary>Real paths (every link resolved) and containment: what import confinement checks.</summary>
public class FilePathsTests : System.IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [UnixFact]
    public void Links_are_resolved_component_by_component()
    {
        var real = FilePaths.RealPath(_tree.Root)!;
        _tree.File("a/b/file.moe", "x");
        _tree.Link("dirlink", "a/b");
        _tree.Link("a/b/filelink.moe", "../b/file.moe");
        Assert.Equal(Path.Combine(real, "a", "b", "file.moe"), FilePaths.RealPath(_tree.PathOf("dirlink/filelink.moe")));
        // ".." in the path itself folds first, as the normalized path is what gets opened; ".." inside a
        // link's target goes up from where the link lies, as the kernel does (filelink above).
        Assert.Equal(Path.Combine(real, "b", "file.moe"), FilePaths.RealPath(Path.Combine(_tree.PathOf("dirlink"), "..", "b", "file.moe")));
    }

    [UnixFact]
    public void A_missing_tail_is_kept_and_a_loop_is_null()
    {
        var real = FilePaths.RealPath(_tree.Root)!;
        Assert.Equal(Path.Combine(real, "no", "such.moe"), FilePaths.RealPath(_tree.PathOf("no/such.moe")));
        _tree.Link("loop1", _tree.PathOf("loop2"));
        _tree.Link("loop2", _tree.PathOf("loop1"));
        Assert.Null(FilePaths.RealPath(_tree.PathOf("loop1/x.moe")));
    }

    [UnixTheory]
    [InlineData("/a/b/c.moe", "/a/b", true)]
    [InlineData("/a/b", "/a/b/", true)]
    [InlineData("/a/bc/d.moe", "/a/b", false)]
    [InlineData("/a/c.moe", "/a/b", false)]
    [InlineData("/x.moe", "/", true)]
    public void Under(string path, string folder, bool under) => Assert.Equal(under, FilePaths.IsUnder(path, folder));
}
