using System.IO;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// A --hardware-file device whose id is already taken (a built-in device, or one of an earlier file) replaces it, as the
/// catalog format says; it used to do so silently, so an id taken by accident changed every figure. The command still
/// runs, with a warning at the file's id naming both (GD0854).
/// </summary>
[Collection(nameof(CliCollection))]
public class HardwareFileOverrideTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("graphdsl-hwfile-").FullName;

    private static string DeviceFile(string name, string id)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, "{\n  \"devices\": [\n    {\"id\": \"" + id + "\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, "
            + "\"peak_tflops\": {\"bf16\": 900}, \"intra_node\": {\"unidirectional_gbps\": 400}}\n  ]\n}\n");
        return path;
    }

    [Fact]
    public void A_device_with_a_built_in_id_replaces_it_with_a_warning_at_its_id()
    {
        var file = DeviceFile("mine.json", "H100-SXM");
        var r = CliRunner.Run("predict", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--hardware-file", file, "--format", "json");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal($"{file}:3:12: warning GD0854: device 'H100-SXM' replaces the built-in device 'h100-sxm' of the same id; this file's figures are used for it",
            r.Err.Trim());
        Assert.Contains("\"device\": \"H100-SXM\"", r.Out);
    }

    [Fact]
    public void A_device_of_an_earlier_file_is_named_with_its_file_and_new_ids_pass_quietly()
    {
        var first = DeviceFile("first.json", "my-gpu");
        var second = DeviceFile("second.json", "my-gpu");
        var r = CliRunner.Run("hardware", "--hardware-file", first, "--hardware-file", second);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal($"{second}:3:12: warning GD0854: device 'my-gpu' replaces the device 'my-gpu' of {first} of the same id; this file's figures are used for it",
            r.Err.Trim());
        var quiet = CliRunner.Run("hardware", "--hardware-file", first);
        Assert.True(quiet.ExitCode == 0 && quiet.Err.Length == 0, quiet.All);
    }
    /// <summary>The warning points into the file as the catalog read it: a UTF-8 byte-order mark is not a column, so the id
    /// on the first line is located as a text editor shows it.</summary>
    [Fact]
    public void The_warning_locates_the_id_after_a_byte_order_mark()
    {
        var file = Path.Combine(Dir, "bom.json");
        File.WriteAllText(file, "{\"devices\": [{\"id\": \"h100-sxm\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, "
            + "\"peak_tflops\": {\"bf16\": 900}, \"intra_node\": {\"unidirectional_gbps\": 400}}]}\n", new System.Text.UTF8Encoding(true));
        Assert.Equal(0xEF, File.ReadAllBytes(file)[0]);
        var r = CliRunner.Run("hardware", "--hardware-file", file, "--format", "csv");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal($"{file}:1:21: warning GD0854: device 'h100-sxm' replaces the built-in device 'h100-sxm' of the same id; this file's figures are used for it",
            r.Err.Trim());
    }
}
