using System;
using System.IO;
using System.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// Every input slot of the command line refuses what is not a regular file, before opening it: /dev/zero and
/// /dev/urandom used to grow to 4 GB and abort, a FIFO blocked forever. Each case must end with a diagnostic
/// that names the path and the reason, exit 1 or 2, within a time and a memory bound.
/// </summary>
[Collection(nameof(CliCollection))]
public class HostileInputTests : IDisposable
{
    private const string Tiny = "samples/tiny-moe.moe";
    private static readonly string[] Cluster = { "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--prompt", "16", "--context", "32" };

    /// <summary>Each slot: the command with {0} where the hostile path goes, and the extension the slot needs.</summary>
    private static readonly (string Slot, string[] Args, string Extension)[] Slots =
    {
        ("check .moe", new[] { "check", "{0}" }, ".moe"),
        ("compile .moe", new[] { "compile", "{0}" }, ".moe"),
        ("opt .gir", new[] { "opt", "{0}", "--passes", "inline" }, ".gir"),
        ("fmt", new[] { "fmt", "{0}" }, ".moe"),
        ("import", new[] { "check", "{import}" }, ".moe"),
        ("validate --data", new[] { "validate", "--data", "{0}" }, ".csv"),
        ("predict --hardware-file", new[] { "predict", Tiny, "--hardware-file", "{0}" }.Concat(Cluster).ToArray(), ".json"),
        ("sweep --hardware-file", new[] { "sweep", Tiny, "--hardware-file", "{0}", "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--context", "32" }, ".json"),
        ("predict --routing", new[] { "predict", Tiny, "--routing", "{0}" }.Concat(Cluster).ToArray(), ".json"),
        ("place --stats", new[] { "place", Tiny, "--gpus", "1", "--stats", "{0}" }, ".json"),
        ("place-experts{stats=}", new[] { "predict", Tiny, "--passes", "place-experts{stats={0}}" }.Concat(Cluster).ToArray(), ".json"),
        ("weights check --weights", new[] { "weights", "check", Tiny, "--weights", "{0}" }, ".safetensors"),
        ("run --weights", new[] { "run", Tiny, "--weights", "{0}", "--prompt-tokens", "1", "--max-new", "1" }, ".safetensors"),
    };

    private static readonly string[] Kinds = { "/dev/zero", "/dev/urandom", "fifo", "directory" };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var slot in Slots)
            foreach (var kind in Kinds) data.Add(slot.Slot, kind);
        return data;
    }

    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>The hostile entry, named with the slot's extension (a link to the device where the slot
    /// needs one; the raw device path otherwise, as the reports gave it).</summary>
    private string Hostile(string kind, string extension, bool needsName) => kind switch
    {
        "fifo" => _tree.Fifo("hostile" + extension),
        "directory" => _tree.Folder("hostile" + extension),
        _ when needsName => _tree.Link("hostile" + extension, kind),
        _ => kind,
    };

    [UnixTheory]
    [MemberData(nameof(Cases))]
    public void Each_input_slot_refuses_devices_fifos_and_directories_in_bounded_time_and_memory(string slot, string kind)
    {
        var (_, template, extension) = Slots.Single(s => s.Slot == slot);
        bool import = template.Contains("{import}");
        var hostile = Hostile(kind, extension, needsName: import || extension == ".gir");
        var spec = import ? _tree.File("spec.moe", "import \"hostile\"\nmodel M {\n  input x: f32[batch, 4]\n  output y = x\n}\n") : "";
        var args = template.Select(a => a.Replace("{0}", hostile).Replace("{import}", spec)).ToArray();

        var r = Bounded.Run(() => CliRunner.Run(args));

        Assert.True(r.ExitCode is 1 or 2, $"exit {r.ExitCode}: {r.All}");
        Assert.DoesNotContain("GD0899", r.Err);
        var reason = kind switch
        {
            "fifo" => "it is a FIFO (named pipe), not a regular file",
            "directory" => "it is a directory, not a file",
            _ when import => "is a symbolic link to a file outside the import roots",
            _ => "it is a character device, not a regular file",
        };
        Assert.Contains(reason, r.Err);
        Assert.Contains(import ? "error GD0222: cannot import 'hostile'" : $"cannot read '{hostile}'", r.Err);
    }

    [Fact]
    public void A_source_over_the_limit_is_GD0107_and_a_csv_over_its_limit_is_GD0801()
    {
        var moe = _tree.File("huge.moe", new string('#', GraphDsl.Frontend.Parsing.SyntaxParser.MaxFileBytes + 1));
        var r = Bounded.Run(() => CliRunner.Run("check", moe));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"huge.moe:1:1: error GD0107: source file '{moe}' is 4,194,305 bytes; the limit is 4194304".Replace("4,194,305", "4194305"), r.Err);

        var csv = _tree.File("huge.csv", new string('x', (int)GraphDsl.Backends.CostModel.Validation.Measurement.MaxFileBytes + 1));
        r = Bounded.Run(() => CliRunner.Run("validate", "--data", csv));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error GD0801: cannot read '{csv}': it is 16,777,217 bytes, over the 16 MiB limit for a measurements CSV", r.Err);
    }
}
