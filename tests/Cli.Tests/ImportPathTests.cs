using System;
using System.IO;
using System.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// Every command that compiles a .moe file takes --import-path DIR (-I): an import then also resolves under
/// DIR, and nowhere else outside the file's folder. A spec importing from a sibling folder fails to find it
/// without the flag and finds it with it; a refused import never prints the refused file.
/// </summary>
[Collection(nameof(CliCollection))]
public class ImportPathTests : IDisposable
{
    private readonly TempTree _tree = new();
    private readonly string _spec;

    public ImportPathTests()
    {
        _tree.File("lib/extra.moe", "block unused_block(x: [..., D]) {\n  return x\n}\n");
        _spec = _tree.File("models/tiny.moe", "import \"extra\"\n" + File.ReadAllText(Repo.Sample("tiny-dense")));
    }

    public void Dispose() => _tree.Dispose();

    private static readonly string[] Cluster = { "--hardware", "h100-sxm", "--gpus", "1", "--batch", "1", "--prompt", "16", "--context", "32" };

    public static TheoryData<string> Commands() => new()
    {
        "check", "stats", "compile", "predict", "sweep", "compare", "place", "route-stats", "weights init", "weights check", "run",
    };

    private string[] Args(string command) => command switch
    {
        "predict" or "sweep" or "compare" => new[] { command, _spec }.Concat(Cluster).ToArray(),
        "place" => new[] { "place", _spec, "--gpus", "1", "--stats", _tree.PathOf("none.json") },
        "route-stats" => new[] { "route-stats", _spec, "-o", _tree.PathOf("stats.json") },
        "weights init" => new[] { "weights", "init", _spec, "-o", _tree.PathOf("w.safetensors") },
        "weights check" => new[] { "weights", "check", _spec, "--weights", _tree.PathOf("none.safetensors") },
        "run" => new[] { "run", _spec, "--weights", _tree.PathOf("none.safetensors"), "--prompt-tokens", "1" },
        _ => new[] { command, _spec },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void The_command_resolves_imports_under_an_import_path(string command)
    {
        var without = CliRunner.Run(Args(command));
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("tiny.moe:1:1: error GD0207: cannot find import 'extra': no file '", without.Err);

        var with = CliRunner.Run(Args(command).Concat(new[] { "--import-path", _tree.PathOf("lib") }).ToArray());
        Assert.DoesNotContain("GD0207", with.Err);
        Assert.DoesNotContain("GD0222", with.Err);
    }

    [Fact]
    public void An_import_path_that_is_no_directory_is_a_usage_error()
    {
        var r = CliRunner.Run("check", _spec, "-I", _tree.PathOf("missing"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"error GD0802: --import-path '{_tree.PathOf("missing")}': no such directory", r.Err);
    }

    [Fact]
    public void A_refused_import_prints_the_import_line_but_nothing_of_the_file()
    {
        _tree.File("secret.moe", "AWS_SECRET_ACCESS_KEY = wJalrXUtnFEMI\n");
        var spec = _tree.File("models/leak.moe", "import \"../secret\"\nmodel M {\n  input x: f32[batch, 4]\n  output y = x\n}\n");
        var r = CliRunner.Run("check", spec);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("leak.moe:1:1: error GD0222: cannot import '../secret': it leads outside the import roots (", r.Err);
        Assert.Contains(" 1 | import \"../secret\"", r.Err);
        Assert.DoesNotContain("AWS_SECRET", r.All);
    }

    [Fact]
    public void Etc_passwd_is_refused_without_quoting_it()
    {
        var spec = _tree.File("models/passwd.moe", "import \"/etc/passwd\"\nmodel M {\n  input x: f32[batch, 4]\n  output y = x\n}\n");
        var r = CliRunner.Run("check", spec);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error GD0222: cannot import '/etc/passwd': absolute paths cannot be imported", r.Err);
        if (File.Exists("/etc/passwd"))
            foreach (var line in File.ReadAllLines("/etc/passwd").Where(l => l.Trim().Length > 0))
                Assert.DoesNotContain(line, r.All);
    }
}
