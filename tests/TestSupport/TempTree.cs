using System;
using System.Diagnostics;
using System.IO;

namespace GraphDsl.TestSupport;

/// <summary>A temporary folder of files, links and FIFOs for tests of what a path may lead to; deleted
/// (links, not their targets) when disposed.</summary>
public sealed class TempTree : IDisposable
{
    public TempTree() { Root = Directory.CreateTempSubdirectory("graphdsl-test-").FullName; }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string File(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public string Folder(string relative) => Directory.CreateDirectory(PathOf(relative)).FullName;

    public string Link(string relative, string target)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
        return path;
    }

    /// <summary>A named pipe (mkfifo(1)); a reader that opens it blocks until a writer comes.</summary>
    public string Fifo(string relative)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0) throw new IOException($"mkfifo {path} failed with {mkfifo.ExitCode}");
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>A test of Unix file types (FIFOs, /dev/zero, symbolic links): skipped on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs a Unix file system (FIFOs, /dev/zero, symbolic links)";
    }
}

/// <summary>A theory over Unix file types: skipped on Windows.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs a Unix file system (FIFOs, /dev/zero, symbolic links)";
    }
}
