using System.IO;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// Two outputs of one command naming one file used to be written one after the other, leaving only the last with exit 0
/// (<c>predict --trace r.html --report r.html</c>). It is a usage error before anything runs (GD0852); /dev/null, which is
/// written in place, may take several. An output naming the command's input file is refused too (GD0853).
/// </summary>
[Collection(nameof(CliCollection))]
public class DistinctOutputsTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("graphdsl-outputs-").FullName;

    [Fact]
    public void Predict_refuses_a_trace_and_a_report_in_one_file()
    {
        var path = Path.Combine(Dir, "r.html");
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--report", path, "--trace", path);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal($"graphdsl: error GD0852: --report '{path}' is the file --trace writes; give each output its own file", r.Err.Trim());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Serve_refuses_a_time_series_in_the_output_file_by_another_spelling()
    {
        var path = Path.Combine(Dir, "x.csv");
        var other = Path.Combine(Dir, ".", "x.csv");
        var r = CliRunner.Run("serve", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--workload", "offline:2,prompt=16,output=2", "-o", path, "--time-series", other);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal($"graphdsl: error GD0852: --time-series '{other}' is the file -o writes; give each output its own file", r.Err.Trim());
    }

    [Fact]
    public void Sweep_refuses_a_plot_in_the_output_file_and_dev_null_takes_several()
    {
        var path = Path.Combine(Dir, "s.svg");
        var r = CliRunner.Run("sweep", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--batch", "1", "-o", path, "--plot", path);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal($"graphdsl: error GD0852: --plot '{path}' is the file -o writes; give each output its own file", r.Err.Trim());
        var ok = CliRunner.Run("serve", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--workload", "offline:2,prompt=16,output=2", "-o", "/dev/null", "--trace", "/dev/null");
        Assert.True(ok.ExitCode == 0, ok.All);
    }

    // compile m.moe -o m.moe replaced the spec with its IR, exit 0; weights init and import hf likewise.
    [Theory]
    [InlineData("compile")]
    [InlineData("weights init")]
    public void An_output_that_is_the_input_is_refused_and_the_input_kept(string command)
    {
        var spec = Path.Combine(Dir, command.Replace(' ', '-') + ".moe");
        File.Copy(Path.Combine(GraphDsl.TestSupport.Repo.Root, "samples", "tiny-dense.moe"), spec, overwrite: true);
        var before = File.ReadAllText(spec);
        var r = CliRunner.Run([.. command.Split(' '), spec, "-o", spec]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal($"graphdsl: error GD0853: -o '{spec}' is the input FILE: writing it would lose the input; write the output elsewhere", r.Err.Trim());
        Assert.Equal(before, File.ReadAllText(spec));
    }

    [Fact]
    public void Import_hf_refuses_to_write_over_its_config()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Dir, "model")).FullName;
        var config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, "{}");
        var r = CliRunner.Run("import", "hf", folder, "-o", config);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal($"graphdsl: error GD0853: -o '{config}' is the input config: writing it would lose the input; write the output elsewhere", r.Err.Trim());
        Assert.Equal("{}", File.ReadAllText(config));
    }

    private static string Copy(string sample, string name)
    {
        var path = Path.Combine(Dir, name);
        File.Copy(Path.Combine(GraphDsl.TestSupport.Repo.Root, "samples", sample), path, overwrite: true);
        return path;
    }

    private static string Refused(string option, string path, string input) =>
        $"graphdsl: error GD0853: {option} '{path}' is the input {input}: writing it would lose the input; write the output elsewhere";

    // route-stats m.moe -o link-to-m.moe wrote the JSON through the link over the spec, exit 0: paths compare as the files they lead to.
    [Fact]
    public void Route_stats_refuses_an_output_that_is_a_link_to_its_input()
    {
        var spec = Copy("tiny-moe.moe", "rs.moe");
        var link = Path.Combine(Dir, "rs-link.moe");
        if (File.Exists(link)) File.Delete(link);
        File.CreateSymbolicLink(link, spec);
        var before = File.ReadAllText(spec);
        var r = CliRunner.Run("route-stats", spec, "-o", link);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal(Refused("-o", link, "FILE"), r.Err.Trim());
        Assert.Equal(before, File.ReadAllText(spec));
    }

    // place wrote its plan over the --stats file it read when -o named it as ./stats.json, and -o and --engine-map could share one file.
    [Fact]
    public void Place_refuses_an_output_over_its_stats_and_two_outputs_in_one_file()
    {
        var stats = Path.Combine(Dir, "place-stats.json");
        File.WriteAllText(stats, "{}");
        var dotted = "./" + Path.GetRelativePath(GraphDsl.TestSupport.Repo.Root, stats);
        var r = CliRunner.Run("place", "samples/tiny-moe.moe", "--stats", stats, "--gpus", "2", "-o", dotted);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal(Refused("-o", dotted, "--stats"), r.Err.Trim());
        var map = Path.Combine(Dir, "map.json");
        var both = CliRunner.Run("place", "samples/tiny-moe.moe", "--stats", stats, "--gpus", "2", "-o", map, "--engine-map", map);
        Assert.True(both.ExitCode == 2, both.All);
        Assert.Equal($"graphdsl: error GD0852: --engine-map '{map}' is the file -o writes; give each output its own file", both.Err.Trim());
        Assert.Equal("{}", File.ReadAllText(stats));
    }

    // Each command that reads a file and writes -o (or a --plot, --trace) checks every file it reads, before anything runs.
    [Theory]
    [InlineData("sweep", "--hardware-file", "-o")]
    [InlineData("plan", "FILE", "-o")]
    [InlineData("serve", "--workload", "--time-series")]
    [InlineData("predict", "--routing", "--trace")]
    public void Commands_refuse_an_output_over_any_file_they_read(string command, string input, string output)
    {
        var spec = Copy("tiny-dense.moe", command + ".moe");
        var read = Path.Combine(Dir, command + "-input.json");
        File.WriteAllText(read, "{\"devices\": []}");
        string target = input == "FILE" ? spec : read;
        string[] args = command switch
        {
            "sweep" => ["sweep", spec, "--hardware", "h100-sxm", "--hardware-file", read, "--batch", "1", "-o", target],
            "plan" => ["plan", spec, "--hardware", "h100-sxm", "--gpus", "1", "--workload", "offline:4,prompt=16,output=2", "--slo", "ttft=1000", "-o", target],
            "serve" => ["serve", spec, "--hardware", "h100-sxm", "--workload", "trace:" + read, "--time-series", target],
            _ => ["predict", spec, "--hardware", "h100-sxm", "--routing", read, "--trace", target],
        };
        var before = File.ReadAllText(target);
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains(Refused(output, target, input), r.Err);
        Assert.Equal(before, File.ReadAllText(target));
    }
}
