using System;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Ir.Files;
using GraphDsl.TestSupport;

namespace GraphDsl.Ir.Tests.Files;

/// <summary>Outputs are written whole or not at all: a temporary file beside the target, renamed over it at the end.</summary>
public class OutputFileTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static void Text(Stream s, string text) { var b = Encoding.UTF8.GetBytes(text); s.Write(b, 0, b.Length); }

    private string[] Entries() => Directory.GetFileSystemEntries(_tree.Root).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void A_write_replaces_the_file_and_leaves_nothing_else()
    {
        var path = _tree.File("out.json", "old");
        OutputFile.Write(path, s => Text(s, "new"));
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(new[] { "out.json" }, Entries());
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_file_and_no_temporary()
    {
        var path = _tree.File("out.json", "previous content");
        var e = Assert.Throws<IOException>(() => OutputFile.Write(path, s =>
        {
            Text(s, new string('x', 100_000));
            throw new IOException("disk full");
        }));
        Assert.Equal("disk full", e.Message);
        Assert.Equal("previous content", File.ReadAllText(path));
        Assert.Equal(new[] { "out.json" }, Entries());
    }

    [Fact]
    public void A_failed_first_write_creates_nothing()
    {
        Assert.Throws<InvalidOperationException>(() => OutputFile.Write(_tree.PathOf("new.csv"), s => throw new InvalidOperationException("bug")));
        Assert.Empty(Entries());
    }

    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_permissions_of_the_replaced_file_carry_over()
    {
        var path = _tree.File("run.sh", "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        OutputFile.Write(path, s => Text(s, "new"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
    }

    [UnixFact]
    public void Writing_through_a_link_replaces_its_target_and_keeps_the_link()
    {
        var target = _tree.File("real/out.txt", "old");
        var link = _tree.Link("link.txt", target);
        OutputFile.Write(link, s => Text(s, "new"));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(target, new FileInfo(link).LinkTarget);
    }

    [UnixFact]
    public void A_device_is_written_in_place() =>
        OutputFile.Write("/dev/null", s => Text(s, "discarded"));

    [Fact]
    public void A_directory_is_no_output()
    {
        var e = Assert.Throws<IOException>(() => OutputFile.Write(_tree.Folder("dir"), s => Text(s, "x")));
        Assert.Equal("it is a directory, not a file", e.Message);
        Assert.Equal(new[] { "dir" }, Entries());
    }
}
