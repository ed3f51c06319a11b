using System.IO;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;
using GraphDsl.TestSupport;

namespace GraphDsl.Ir.Tests.Files;

/// <summary>The one bounded read of an input: regular files only, refused before they are opened, and
/// never more than the limit in memory.</summary>
public class InputFileTests : System.IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void A_regular_file_is_read_whole_and_decoded_as_File_ReadAllText()
    {
        var path = _tree.PathOf("bom.txt");
        File.WriteAllBytes(path, new byte[] { 0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i' });
        Assert.Equal(File.ReadAllText(path), InputFile.ReadAllText(path, 5, "a test file"));
        Assert.Equal("hi", InputFile.ReadAllText(path, 5, "a test file"));
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_before_it_is_read()
    {
        var path = _tree.File("big.txt", new string('x', 1001));
        var e = Assert.Throws<InputFileTooLargeException>(() => InputFile.ReadAllBytes(path, 1000, "a test file"));
        Assert.Equal((1001L, 1000L), (e.Size, e.Limit));
        Assert.Equal($"cannot read '{path}': it is 1,001 bytes, over the 1,000 bytes limit for a test file", e.Message);
        Assert.Equal(1000, InputFile.ReadAllBytes(_tree.File("exact.txt", new string('x', 1000)), 1000, "a test file").Length);
    }

    [Fact]
    public void Limits_in_whole_MiB_are_written_so()
    {
        Assert.Equal("16 MiB", InputFile.Size(16 << 20));
        Assert.Equal("1,048,577 bytes", InputFile.Size((1 << 20) + 1));
    }

    [UnixTheory]
    [InlineData("/dev/zero", "a character device")]
    [InlineData("/dev/urandom", "a character device")]
    [InlineData("/dev/null", "a character device")]
    public void A_device_is_refused_before_it_is_opened(string path, string kind)
    {
        var e = Bounded.Run(() => Record.Exception(() => InputFile.ReadAllBytes(path, 1 << 20, "a test file")));
        var refused = Assert.IsType<InputFileException>(e);
        Assert.Equal($"it is {kind}, not a regular file", refused.Reason);
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of(path));
    }

    [UnixFact]
    public void A_fifo_is_refused_without_blocking()
    {
        var fifo = _tree.Fifo("pipe");
        Assert.Equal(FileKind.Fifo, FileKinds.Of(fifo));
        var e = Bounded.Run(() => Record.Exception(() => InputFile.ReadAllText(fifo, 1 << 20, "a test file")));
        Assert.Equal("it is a FIFO (named pipe), not a regular file", Assert.IsType<InputFileException>(e).Reason);
        Assert.Throws<InputFileException>(() => Bounded.Run(() => InputFile.OpenRead(fifo)));
    }

    [UnixFact]
    public void A_link_is_judged_by_what_it_leads_to()
    {
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of(_tree.Link("zero", "/dev/zero")));
        Assert.Equal(FileKind.Regular, FileKinds.Of(_tree.Link("file", _tree.File("target.txt", "x"))));
    }

    [Fact]
    public void A_directory_is_refused_as_the_diagnostics_say_it()
    {
        var e = Assert.Throws<InputFileException>(() => InputFile.ReadAllBytes(_tree.Root, 10, "a test file"));
        Assert.Equal("it is a directory, not a file", FileErrors.Reason(_tree.Root, e));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_tree.Root));
    }

    [Fact]
    public void A_missing_file_keeps_the_runtimes_message()
    {
        var missing = _tree.PathOf("missing.txt");
        Assert.Equal(FileKind.Missing, FileKinds.Of(missing));
        Assert.Throws<FileNotFoundException>(() => InputFile.ReadAllBytes(missing, 10, "a test file"));
    }
}
