using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// Outputs are written to a temporary file beside the target and renamed over it at the end: a run that
/// fails or is killed midway leaves the previous file intact (it used to leave truncated JSON or an empty CSV).
/// </summary>
[Collection(nameof(CliCollection))]
public class AtomicOutputTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private string[] Entries() => Directory.GetFileSystemEntries(_tree.Root).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void An_output_replaces_the_previous_file_and_leaves_no_temporary()
    {
        var path = _tree.File("out.gir", "previous");
        var r = CliRunner.Run("compile", "samples/tiny-moe.moe", "-o", path);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("module @TinyMoe", File.ReadAllText(path));
        Assert.Equal(new[] { "out.gir" }, Entries());
    }

    [Fact]
    public void An_output_in_a_missing_folder_is_GD0803_naming_the_folder()
    {
        var path = _tree.PathOf("no/such/out.gir");
        var r = CliRunner.Run("compile", "samples/tiny-moe.moe", "-o", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error GD0803: cannot write '{path}': the folder '{_tree.PathOf("no/such")}' does not exist", r.Err);
        Assert.Empty(Entries());
    }

    [UnixFact]
    public void Fmt_write_through_a_link_rewrites_the_target_and_keeps_the_link()
    {
        var target = _tree.File("real/m.moe", "model M {\ninput x: f32[batch, 4]\n    output y = x\n}\n");
        var link = _tree.Link("m.moe", target);
        var r = CliRunner.Run("fmt", "--write", link);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("model M {\n  input x: f32[batch, 4]\n  output y = x\n}\n", File.ReadAllText(target));
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal(new[] { "m.moe" }, Directory.GetFiles(_tree.PathOf("real")).Select(Path.GetFileName).ToArray());
    }

    /// <summary>A real kill: route-stats streams 244 MB of JSON (Switch-C's co-activation matrices) in a child
    /// process, killed once the temporary file has grown; the previous statistics survive.</summary>
    [Fact]
    public void A_killed_run_leaves_the_previous_output_intact()
    {
        const string previous = "{\"previous\": \"statistics\"}\n";
        var target = _tree.File("stats.json", previous);
        var info = new ProcessStartInfo(DotNet.Executable)
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "graphdsl.dll"), "route-stats", "samples/switch-c-2048.moe",
                     "--synthetic", "zipf:1.2", "--coactivation", "-o", target })
            info.ArgumentList.Add(a);
        using var child = Process.Start(info)!;
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        string? temporary = null;
        while (temporary is null && !child.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            temporary = Directory.GetFiles(_tree.Root, ".stats.json.*.tmp").FirstOrDefault(f => new FileInfo(f).Length > (1 << 20));
            if (temporary is null) Thread.Sleep(5);
        }
        bool exitedFirst = child.HasExited;
        if (!exitedFirst) child.Kill(entireProcessTree: true);
        child.WaitForExit();

        Assert.False(exitedFirst, $"route-stats ended (exit {child.ExitCode}) before it could be killed mid-write");
        Assert.NotNull(temporary);
        Assert.Equal(previous, File.ReadAllText(target));
        // A kill gives no chance to delete the temporary: it stays, hidden, beside the target.
        Assert.Equal(new[] { Path.GetFileName(temporary!), "stats.json" }, Entries());
    }
}
